import { hubspotFormat } from './hubspot-client.js';

/** HubSpot: the call export format the engine exports finished calls in (it has no inbound routes). */
export { hubspotFormat };
