/** Security counters of one broker, shared by both listeners (metrics read them). */
export interface SecurityStats {
  authenticationsSucceeded: number;
  /** Failed logins (each answered after AUTH_FAILURE_DELAY_MS). */
  authenticationsFailed: number;
  /** Requests or items refused by the authorizer. */
  authorizationsDenied: number;
  /** Responses delayed by a quota. */
  responsesThrottled: number;
}

export function newSecurityStats(): SecurityStats {
  return { authenticationsSucceeded: 0, authenticationsFailed: 0, authorizationsDenied: 0, responsesThrottled: 0 };
}
