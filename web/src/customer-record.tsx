import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import type { Message } from './live-socket.js';

const nameOf = (contact: Message) =>
  [contact.title, contact.firstName, contact.lastName].filter(Boolean).join(' ') || 'No name on record';

/**
 * Who the customer is: their contact record (name, numbers, addresses, attributes) and their latest
 * interactions before this one, with how each ended and the notes left on it.
 */
export function CustomerRecord({ base, interactionId }: { base: string; interactionId: string }) {
  const [record, setRecord] = useState<Message | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    api<{ result: Message }>('GET', `${base}/interactions/${interactionId}/customer-record`).then(
      ({ result }) => setRecord(result),
      (error: Error) => setProblem(error.message),
    );
  }, [base, interactionId]);

  if (problem) return <p class="error">The customer record could not be read: {problem}</p>;
  if (!record?.customer) return null;
  const contact = record.contact;
  const attributes = Object.entries((contact?.attributes ?? {}) as Record<string, unknown>);
  return (
    <section aria-labelledby="customer-heading" class="customer-record">
      <h3 id="customer-heading">Customer</h3>
      {contact ? (
        <dl class="facts">
          <dt>Name</dt>
          <dd>{nameOf(contact)}</dd>
          {(contact.phoneNumbers ?? []).length > 0 && (
            <>
              <dt>Phone</dt>
              <dd>{contact.phoneNumbers.join(', ')}</dd>
            </>
          )}
          {(contact.emailAddresses ?? []).length > 0 && (
            <>
              <dt>Email</dt>
              <dd>{contact.emailAddresses.join(', ')}</dd>
            </>
          )}
          {attributes.map(([key, value]) => (
            <Fragment key={key}>
              <dt>{key}</dt>
              <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
            </Fragment>
          ))}
        </dl>
      ) : (
        <p>No contact record for {record.customer}.</p>
      )}
      <h3>Earlier contacts</h3>
      {record.history.length === 0 ? (
        <p>None: this is the first time.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Channel</th>
              <th scope="col">Outcome</th>
              <th scope="col">Notes</th>
            </tr>
          </thead>
          <tbody>
            {record.history.map((past: Message) => (
              <tr key={past.id}>
                <td>
                  <time dateTime={past.createdAt}>{new Date(past.createdAt).toLocaleString()}</time>
                </td>
                <td>
                  {past.channelType} {past.direction === 'inbound' ? '' : `(${past.direction})`}
                </td>
                <td>{past.disposition ?? past.state}</td>
                <td>
                  {past.notes ?? ''}
                  {past.voicemail && <a href={past.voicemail.recordingUrl}> voicemail</a>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
