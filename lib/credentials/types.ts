/** An AK/SK pair, with the security token that temporary (agency) credentials carry. */
export interface Credentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly securityToken?: string;
}

/** Yields the credentials for one MRS call; called only when a call is really made. */
export type CredentialProvider = () => Credentials;
