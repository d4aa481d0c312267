import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { validationFailed } from './api-error.js';

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id: any UUID, compared lower-case (ids are stored lower-case). */
@Injectable()
export class IdParamPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !UUID_SHAPE.test(value)) {
      throw validationFailed([{ field: metadata.data ?? 'id', reason: 'must be a UUID' }]);
    }
    return value.toLowerCase();
  }
}
