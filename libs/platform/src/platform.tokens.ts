/** The AppConfig provider's token (its own file, so that platform providers can inject it without an import cycle). */
export const APP_CONFIG = Symbol('APP_CONFIG');
