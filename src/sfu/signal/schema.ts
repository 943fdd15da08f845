/**
 * ion-sfu's JSON-RPC and `ion-sfu` data-channel schema, as the signalling layer names it. The
 * schema itself lives at the bottom of the SFU (`src/sfu/types/schema.ts`) so that rooms can use
 * its wire types without importing from the layer above them.
 */
export * from '../types/schema.ts';
