export * from './glass-event.ts';
export * from './ids.ts';
export * from './market-event.ts';
