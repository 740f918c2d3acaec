/**
 * A connector: one DotDigital API user. The password is held in a private field and read
 * through a prototype getter, so JSON.stringify, pino and util.inspect never show it.
 */
export type Region = 'r1' | 'r2' | 'r3';

export interface ConnectorLimits {
  readonly addPerMinute?: number;
  readonly removePerMinute?: number;
}

export interface ConnectorSpec {
  readonly id: string;
  readonly name: string;
  readonly username: string;
  readonly password: string;
  readonly region?: Region | undefined;
  readonly limits?: ConnectorLimits | undefined;
}

export class Connector {
  readonly connectorId: string;
  readonly name: string;
  readonly username: string;
  readonly region: Region | undefined;
  readonly limits: ConnectorLimits;
  readonly #password: string;

  constructor(spec: ConnectorSpec) {
    this.connectorId = spec.id;
    this.name = spec.name;
    this.username = spec.username;
    this.region = spec.region;
    this.limits = Object.freeze({ ...spec.limits });
    this.#password = spec.password;
    Object.freeze(this);
  }

  get id(): string {
    return this.connectorId;
  }

  get password(): string {
    return this.#password;
  }

  /** Same API user and settings: region and id caches stay valid. */
  sameAs(other: Connector): boolean {
    return (
      other.connectorId === this.connectorId &&
      other.username === this.username &&
      other.#password === this.#password &&
      other.region === this.region &&
      other.limits.addPerMinute === this.limits.addPerMinute &&
      other.limits.removePerMinute === this.limits.removePerMinute
    );
  }

  toJSON(): Record<string, unknown> {
    return { id: this.connectorId, name: this.name, username: this.username, region: this.region ?? 'auto', limits: this.limits };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Connector(${JSON.stringify(this.toJSON())})`;
  }
}
