import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { JsonLogger, Metrics, answerClientError, answerFrameworkError, createRootLogger, fastifyTrustProxy, createValidationPipe, parseQueryString, registerInputGuard, registerIpRateLimit, requestContext, requestIdFor } from '@maple/platform';
import type { AccessTokenVerifier, AppConfig, Database } from '@maple/platform';
import { AppModule } from './app.module';

export type ApiOptions = { config: AppConfig; database: Database; ownsDatabase?: boolean; logger?: PinoLogger; tokenVerifier?: AccessTokenVerifier };

const QUIET_ROUTES = /^\/(health|metrics)/;

/** Builds the HTTP application (not listening yet). Used by main.ts and by the e2e tests. */
export async function createApi(opts: ApiOptions): Promise<NestFastifyApplication> {
  const { config } = opts;
  const log = opts.logger ?? createRootLogger(config.logLevel);
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Off unless configured: otherwise any client could write any address into the audit trail.
    trustProxy: fastifyTrustProxy(config.trustProxy),
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    routerOptions: { querystringParser: parseQueryString },
    return503OnClosing: true,
    requestIdHeader: false,
    genReqId: requestIdFor,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register({ config, database: opts.database, ownsDatabase: opts.ownsDatabase, tokenVerifier: opts.tokenVerifier }),
    adapter,
    { logger: new JsonLogger(log), abortOnError: false },
  );
  app.useGlobalPipes(createValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  // Every log line written while a request is handled carries its id (see JsonLogger).
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    void reply.header('x-request-id', req.id);
    requestContext.run({ reqId: req.id }, done);
  });
  await app.register(helmet as never, { contentSecurityPolicy: false } as never);
  await app.register(cors as never, { origin: config.corsOrigins.length ? config.corsOrigins : false } as never);
  registerIpRateLimit(fastify, config.auth.rateLimitPerMinute);
  registerInputGuard(fastify);

  const metrics = app.get(Metrics);
  fastify.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    const route = req.routeOptions?.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, ms / 1000);
    if (QUIET_ROUTES.test(req.url)) return;
    const level = reply.statusCode >= 500 ? 'error' : reply.statusCode >= 400 ? 'warn' : 'info';
    log[level]({ reqId: req.id, method: req.method, route, status: reply.statusCode, ms: Math.round(ms * 10) / 10 }, 'request completed');
  });

  const doc = new DocumentBuilder()
    .setTitle('Maple API')
    .setDescription('Event-sourced backend for regulated enterprise work. Errors are RFC 9457 problem+json with a stable `code`.')
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs-json' });
  return app;
}
