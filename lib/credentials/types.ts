/** An AK/SK pair, with the security token that temporary (agency) credentials carry. */
export interface Credentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly securityToken?: string;
}

/** The credentials for one invocation's MRS calls; asked only when a call is really made. */
export interface CredentialProvider {
  get(): Promise<Credentials>;
  /**
   * Called once when MRS refused the credentials as expired or invalid: newer ones, or
   * undefined when the source has nothing newer to give (then the refusal stands).
   */
  renew(): Promise<Credentials | undefined>;
}
