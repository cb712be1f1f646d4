import 'reflect-metadata';
import { PATH_METADATA, METHOD_METADATA, MODULE_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import type { DynamicModule, Type } from '@nestjs/common';
import { IS_PUBLIC, REQUIRED_PERMISSIONS, PERMISSIONS, loadConfig } from '@maple/platform';
import type { Database } from '@maple/platform';
import { AppModule } from '../../apps/api/app.module';

// House rule 10: every route has a permission or an explicit @Public(). The controllers are
// found from the application's module tree (no database needed), so a new context's
// controllers are covered the moment AppModule imports it.

type ModuleLike = Type<unknown> | DynamicModule | Promise<DynamicModule>;

function controllersOf(root: ModuleLike, seen = new Set<unknown>()): Type<unknown>[] {
  if (seen.has(root) || root instanceof Promise) return [];
  seen.add(root);
  const dyn = (root as DynamicModule).module ? (root as DynamicModule) : undefined;
  const cls = (dyn ? dyn.module : root) as Type<unknown>;
  const own: Type<unknown>[] = [...(Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, cls) ?? []), ...((dyn?.controllers as Type<unknown>[]) ?? [])];
  const imports: ModuleLike[] = [...(Reflect.getMetadata(MODULE_METADATA.IMPORTS, cls) ?? []), ...((dyn?.imports as ModuleLike[]) ?? [])];
  return [...own, ...imports.flatMap((m) => controllersOf(m, seen))];
}

type Route = { route: string; isPublic: boolean; permissions: string[] | undefined };

function routesOf(controller: Type<unknown>): Route[] {
  const proto = controller.prototype as Record<string, unknown>;
  const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
  return Object.getOwnPropertyNames(proto)
    .filter((name) => name !== 'constructor' && typeof proto[name] === 'function' && Reflect.hasMetadata(METHOD_METADATA, proto[name] as object))
    .map((name) => {
      const handler = proto[name] as object;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const path = `/${base}/${String(Reflect.getMetadata(PATH_METADATA, handler) ?? '')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
      return {
        route: `${method} ${path} (${controller.name}.${name})`,
        isPublic: Boolean(Reflect.getMetadata(IS_PUBLIC, handler) ?? Reflect.getMetadata(IS_PUBLIC, controller)),
        permissions: Reflect.getMetadata(REQUIRED_PERMISSIONS, handler) ?? Reflect.getMetadata(REQUIRED_PERMISSIONS, controller),
      };
    });
}

const app = AppModule.register({ config: loadConfig({ NODE_ENV: 'test' }), database: {} as Database });
const routes = controllersOf(app).flatMap(routesOf);

describe('every route is guarded (house rule 10)', () => {
  it('finds the controllers of the application (the scan is not empty)', () => {
    expect(routes.map((r) => r.route)).toEqual(expect.arrayContaining([expect.stringMatching(/^GET \/me /), expect.stringMatching(/^POST \/auth\/login /), expect.stringMatching(/^GET \/health\/live /)]));
  });

  it('has a permission or @Public() on every route', () => {
    const unguarded = routes.filter((r) => !r.isPublic && !r.permissions?.length).map((r) => r.route);
    expect(unguarded).toEqual([]);
  });

  it('names only permissions of the matrix', () => {
    const unknown = routes.flatMap((r) => (r.permissions ?? []).filter((p) => !(PERMISSIONS as readonly string[]).includes(p)).map((p) => `${r.route}: ${p}`));
    expect(unknown).toEqual([]);
  });

  // A new public route is a security decision: add it here on purpose, with the reason.
  it('keeps public routes to the known few', () => {
    const allowed = [
      /^POST \/auth\/(login|refresh)$/, // how one gets a token
      /^GET \/health\//, // probes
      /^GET \/metrics$/, // scraped on the internal network
      /^GET \/audit\/public-key$/, // verifies signed checkpoints offline; a public key is public
    ];
    const pub = routes.filter((r) => r.isPublic).map((r) => r.route.split(' (')[0]);
    expect(pub.filter((r) => !allowed.some((a) => a.test(r)))).toEqual([]);
  });
});
