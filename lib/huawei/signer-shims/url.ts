/**
 * The slice of node's legacy `url` module the signer calls: `url.parse(endpoint, true)`, of
 * whose answer it reads `host` and `pathname` only. The first `url.parse` in a process costs
 * about 1 ms (its parser is compiled then); for the plain absolute http(s) URLs the adapter
 * signs (a WHATWG `href`: lowercase host name, optional port, a path of characters url.parse
 * leaves as they are) both fields are read off the text directly. Anything else goes to the
 * real `url.parse`. test/huawei/signer-shims.test.ts checks both fields against it.
 */
import type { UrlWithParsedQuery } from 'node:url';

/** Lowercase labels of at most 63 characters (url.parse moves the rest of a longer one into the path). */
const PLAIN_URL =
  /^https?:\/\/((?:[a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63}(?::\d{1,5})?)(\/[A-Za-z0-9\-._~%!$&()*+,;=:@/]*)(?:\?[A-Za-z0-9\-._~%!$&()*+,;=:@/?]*)?$/;

export interface SignerUrl {
  readonly host: string | null;
  readonly pathname: string | null;
}

function parse(urlString: string, parseQueryString: true): SignerUrl {
  const plain = urlString.length <= 2048 ? PLAIN_URL.exec(urlString) : null;
  if (plain !== null && plain[1]!.split(':')[0]!.length <= 255) return { host: plain[1]!, pathname: plain[2]! };
  return (require('node:url') as typeof import('node:url')).parse(urlString, parseQueryString) satisfies UrlWithParsedQuery;
}

export default { parse };
