import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'maple:isPublic';

/** Marks a route as open to anyone. Every route needs this or a permission (see the guard test). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
