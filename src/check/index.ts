// Public surface of the health checkers: target types, the scheduler, real-server aggregation and each checker.

export * from './types';
export { CheckScheduler, ManualClock, systemClock, dedupKey, attemptTimeoutMs, CheckTimeoutError } from './scheduler';
export type { Clock, SchedulerOptions, CheckerStateEvent, CheckerWeightEvent, CheckerAttemptEvent, CheckerLogEvent, CheckerStatus } from './scheduler';
export { RealServerAggregator, realWeight, IPVS_WEIGHT_LIMIT } from './aggregate';
export type { RealServerEvent, RealServerWeightEvent } from './aggregate';
export { RetryStyle, retryStyle, initialState, step, detectionBoundMs, Transition } from './policy';
export type { CheckerState, StepOutput } from './policy';
export { checkTcp } from './tcp';
export { checkHttp, statusAccepted, hostHeader, sniName } from './http';
export { checkUdp, parseHex, replyMatches } from './udp';
export { checkDns, formatQuery, parseMessage, encodeName, decodeName, dnsTypeFromName, DnsType } from './dns';
export { checkSmtp, SMTP_DEFAULT_HELO } from './smtp';
export { checkMisc, miscArgv, parseMiscPath, targetArgv, splitQuotedEscaped, setMiscConcurrency } from './misc';
export { checkFile, probeFile, readTrackedFile, fileStatus, watchTrackedFile } from './file';
export { checkPing } from './ping';
export { IcmpSockets, sharedIcmp } from './icmp-socket';
export { parseDigest, BodyDigest, genhashDigest } from './digest';
export { validateTarget } from './validate';
export type { TargetIssue } from './validate';
export { checkOnce, checkerFor } from './once';
