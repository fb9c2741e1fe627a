/**
 * The embeddable chat widget, served at /webchat/widget.js. A page adds
 *   <script src="https://switchboard.example.com/webchat/widget.js" data-tenant="…" data-widget="…"></script>
 * and gets a "Chat with us" button. No framework, no build step; text goes into the page only as text
 * (textContent), never as markup. The session token lives in sessionStorage, so a reload continues the
 * same chat; a dropped connection reconnects by itself, and unacknowledged messages are sent again with
 * their ids (stored once).
 */
export const widgetScript = `(() => {
  const script = document.currentScript;
  if (!script) return;
  const tenant = script.dataset.tenant;
  const widget = script.dataset.widget;
  const title = script.dataset.title || 'Chat with us';
  const base = new URL(script.src).origin;
  const storageKey = 'switchboard-chat:' + tenant + ':' + widget;
  let socket = null;
  let ended = false;
  let retry = 0;
  const unsent = new Map();

  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const style = el('style', {}, '#sb-chat-open{position:fixed;right:20px;bottom:20px;padding:10px 16px;border-radius:20px;border:0;background:#1f6feb;color:#fff;font:14px sans-serif;cursor:pointer}' +
    '#sb-chat{position:fixed;right:20px;bottom:70px;width:320px;height:420px;display:none;flex-direction:column;background:#fff;border:1px solid #ccc;border-radius:8px;font:14px sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.2)}' +
    '#sb-chat header{display:flex;justify-content:space-between;align-items:center;padding:8px 12px;background:#1f6feb;color:#fff;border-radius:8px 8px 0 0}' +
    '#sb-chat-messages{flex:1;overflow-y:auto;padding:8px;display:flex;flex-direction:column;gap:6px}' +
    '.sb-msg{max-width:80%;padding:6px 10px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}' +
    '.sb-customer{align-self:flex-end;background:#1f6feb;color:#fff}.sb-agent,.sb-flow,.sb-system{align-self:flex-start;background:#eee}' +
    '#sb-chat form{display:flex;border-top:1px solid #ccc}#sb-chat-input{flex:1;border:0;padding:10px}#sb-chat-send{border:0;background:none;color:#1f6feb;padding:0 12px;cursor:pointer}');
  const open = el('button', { id: 'sb-chat-open', type: 'button' }, title);
  const panel = el('div', { id: 'sb-chat', role: 'dialog', 'aria-label': title });
  const header = el('header');
  const endButton = el('button', { id: 'sb-chat-end', type: 'button' }, 'End chat');
  header.append(el('span', {}, title), endButton);
  const list = el('div', { id: 'sb-chat-messages', 'aria-live': 'polite' });
  const form = el('form');
  const input = el('input', { id: 'sb-chat-input', maxlength: '4096', placeholder: 'Type a message', autocomplete: 'off' });
  form.append(input, el('button', { id: 'sb-chat-send', type: 'submit' }, 'Send'));
  panel.append(header, list, form);
  document.head.append(style);
  document.body.append(open, panel);

  const seen = new Set();
  const render = (message) => {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    const author = message.direction === 'inbound' ? 'customer' : message.author;
    const node = el('div', { class: 'sb-msg sb-' + author, 'data-id': message.id }, message.text);
    for (const a of message.attachments || []) {
      const link = el('a', { href: a.url, target: '_blank', rel: 'noopener noreferrer' }, a.name || a.url);
      node.append(document.createElement('br'), link);
    }
    list.append(node);
    list.scrollTop = list.scrollHeight;
  };

  const session = async () => {
    const kept = sessionStorage.getItem(storageKey);
    if (kept) return kept;
    const response = await fetch(base + '/webchat/' + tenant + '/' + widget + '/sessions', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
    });
    if (!response.ok) throw new Error('chat session refused: ' + response.status);
    const token = (await response.json()).token;
    sessionStorage.setItem(storageKey, token);
    return token;
  };

  const connect = async () => {
    if (ended || (socket && socket.readyState <= 1)) return;
    const token = await session();
    socket = new WebSocket(base.replace(/^http/, 'ws') + '/webchat/' + tenant + '/' + widget + '/ws?token=' + encodeURIComponent(token));
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'hello') {
        retry = 0;
        for (const m of message.messages) render(m);
        for (const [id, text] of unsent) socket.send(JSON.stringify({ type: 'message', id, text }));
      }
      if (message.type === 'message') render(message.message);
      if (message.type === 'ack') unsent.delete(message.id);
      if (message.type === 'ended') panel.dataset.state = 'ended';
    };
    socket.onclose = (event) => {
      if (event.code === 4401) sessionStorage.removeItem(storageKey);
      if (!ended) setTimeout(connect, Math.min(10000, 500 * 2 ** retry++));
    };
  };

  open.addEventListener('click', () => {
    panel.style.display = panel.style.display === 'flex' ? 'none' : 'flex';
    if (panel.style.display === 'flex') { ended = false; connect(); input.focus(); }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const id = 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    unsent.set(id, text);
    render({ id: 'local-' + id, direction: 'inbound', author: 'customer', text });
    input.value = '';
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: 'message', id, text }));
    else connect();
  });
  endButton.addEventListener('click', () => {
    ended = true;
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: 'end' }));
    sessionStorage.removeItem(storageKey);
  });
})();
`;
