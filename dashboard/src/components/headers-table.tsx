/** HTTP headers as a two-column table, sorted by name. */
export function HeadersTable({ headers, caption }: { headers: Record<string, string>; caption: string }) {
  const names = Object.keys(headers).sort();
  if (names.length === 0) return <p className="muted">No headers recorded.</p>;
  return (
    <table className="kv-table">
      <caption className="visually-hidden">{caption}</caption>
      <tbody>
        {names.map((name) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>
              <code>{headers[name]}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
