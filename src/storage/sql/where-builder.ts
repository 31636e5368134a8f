/** A SQL fragment with `?` placeholders and its parameters, built up clause by clause. */
export class WhereBuilder {
  readonly clauses: string[] = [];
  readonly params: Array<string | number | null> = [];

  /** Adds `sql` (AND-ed) with its parameters. */
  add(sql: string, ...params: Array<string | number | null>): this {
    this.clauses.push(sql);
    this.params.push(...params);
    return this;
  }

  /** Adds `column IN (?, ?, …)`; skipped when `values` is undefined; an empty list matches nothing. */
  addIn(column: string, values: ReadonlyArray<string | number> | undefined): this {
    if (values === undefined) return this;
    if (values.length === 0) return this.add('0 = 1');
    return this.add(`${column} IN (${values.map(() => '?').join(', ')})`, ...values);
  }

  /** `WHERE …` or the empty string. */
  toSql(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }
}
