import type { Database } from '../database/database';
import { rotateKek } from './kek-rotation';
import type { RotationReport } from './kek-rotation';
import { EventSealer } from './event-sealer';
import type { KeyRing } from './key-ring';
import type { PersonalDataRegistry } from './personal-data.registry';
import { PersonalDataReader } from './personal-data.reader';

/**
 * The platform's personal-data machinery in one object (provided by PlatformModule): the
 * registry contexts declare their fields in, the sealer the command runner calls before every
 * append, and the reader every read path decrypts through.
 */
export class PersonalData {
  readonly sealer: EventSealer;
  readonly reader: PersonalDataReader;

  constructor(
    readonly registry: PersonalDataRegistry,
    readonly ring: KeyRing,
  ) {
    this.sealer = new EventSealer(registry, ring);
    this.reader = new PersonalDataReader(registry, ring);
  }

  rotateKek(db: Database): Promise<RotationReport> {
    return rotateKek(db, this.ring);
  }
}
