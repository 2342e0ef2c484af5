// Public surface of the VRRP subsystem (codec, validation, state machine, timers, sockets, GARP/NA frames).

export * from './addr';
export * from './auth';
export * from './checksum';
export * from './constants';
export * from './counters';
export * from './fsm';
export * from './garp';
export * from './instance';
export * from './ip';
export * from './ndisc';
export * from './packet';
export * from './pcap';
export * from './socket';
export * from './timers';
export * from './validate';
