/** An HTTP status code coloured by class, or the error code when there was no HTTP answer. */
export function HttpStatus({ status, errorCode }: { status: number | null; errorCode?: string | null }) {
  if (status === null) return <span className="http http-none">{errorCode ? errorCode.replaceAll('_', ' ').toLowerCase() : '—'}</span>;
  const family = Math.floor(status / 100);
  return <span className={`http http-${family}xx`}>{status}</span>;
}
