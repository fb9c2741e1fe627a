import { callCenterUpdate, routingMapUpdate } from '/work/main/src/http/schemas.ts';
console.log(JSON.stringify(callCenterUpdate).slice(0, 300), (callCenterUpdate as any).additionalProperties, (routingMapUpdate as any).additionalProperties, (routingMapUpdate as any).required);
