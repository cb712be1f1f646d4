import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ApiBodyOptions, OpenAPIObject } from '@nestjs/swagger';

type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { DATE_OR_INSTANT, INTERVALS } from '../../queries/ranges';
import type { Interval } from '../../queries/ranges';

const EVENT_TYPES = ['user_action', 'system_event', 'ai_prediction'] as const;
const RANGE = 'A date (YYYY-MM-DD: midnight in the company time zone) or an ISO 8601 date-time.';

export class RangeDto {
  @ApiProperty({ description: `Start, inclusive. ${RANGE}`, example: '2026-11-01' })
  @Matches(DATE_OR_INSTANT, { message: 'from must be YYYY-MM-DD or an ISO 8601 date-time' })
  from!: string;

  @ApiProperty({ description: `End, exclusive. ${RANGE}`, example: '2026-12-01' })
  @Matches(DATE_OR_INSTANT, { message: 'to must be YYYY-MM-DD or an ISO 8601 date-time' })
  to!: string;
}

export class RangeQueryDto extends RangeDto {
  @ApiPropertyOptional({ enum: EVENT_TYPES })
  @IsOptional()
  @IsIn(EVENT_TYPES)
  eventType?: (typeof EVENT_TYPES)[number];
}

export class CountsQueryDto extends RangeQueryDto {
  @ApiPropertyOptional({
    enum: INTERVALS,
    default: 'day',
    description: 'Days and weeks (ISO, from Monday) are in the company time zone; hours are UTC hours.',
  })
  @IsOptional()
  @IsIn(INTERVALS)
  interval?: Interval;

  @ApiPropertyOptional({
    enum: ['rollups', 'raw'],
    default: 'rollups',
    description: 'rollups: the hourly rollup tables (whole hours); raw: a count over the events themselves.',
  })
  @IsOptional()
  @IsIn(['rollups', 'raw'])
  source?: 'rollups' | 'raw';
}

export class BreakdownQueryDto extends RangeQueryDto {
  @ApiProperty({ description: 'The property (of `properties`) to group by.', example: 'plan' })
  @IsString()
  @Length(1, 100)
  property!: string;

  @ApiPropertyOptional({
    description: 'Only events of this name (`event` of a track call).',
    example: 'Order Completed',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  event?: string;
}

const toArray = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? value : value === undefined ? value : [value];

export class FunnelQueryDto extends RangeDto {
  @ApiProperty({
    type: [String],
    description: 'Event names in order, 2 to 5 (repeat the parameter: step=Signed%20Up&step=Activated).',
    example: ['Signed Up', 'Activated'],
  })
  @Transform(toArray)
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  step!: string[];

  @ApiPropertyOptional({
    description: 'Each step must follow within this many hours of the first (1 to 720).',
    default: 24,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(720)
  windowHours?: number;
}

export class RetentionQueryDto extends RangeDto {
  @ApiPropertyOptional({ enum: ['day', 'week'], default: 'day' })
  @IsOptional()
  @IsIn(['day', 'week'])
  period?: 'day' | 'week';

  @ApiPropertyOptional({
    description: 'A cohort is the period of this event (default: any event).',
    example: 'Signed Up',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cohortEvent?: string;

  @ApiPropertyOptional({ description: 'Coming back means doing this event (default: any event).' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  returnEvent?: string;
}

export class ExportRequestDto extends RangeQueryDto {}

export class SettingsDto {
  @ApiProperty({ description: "IANA time zone of the company's days and weeks.", example: 'Europe/Zurich' })
  @IsString()
  @Length(1, 64)
  timeZone!: string;

  @ApiPropertyOptional({
    description: 'Keep events this many days (at most ANALYTICS_RETENTION_DAYS); null: the global window.',
    example: 90,
    nullable: true,
    type: Number,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  retentionDays?: number | null;
}

const SEGMENT_EVENT: SchemaObject = {
  type: 'object',
  description:
    'A Segment call (track, page, screen, identify, group, alias). Unknown top-level fields are ignored, as Segment does.',
  properties: {
    type: {
      type: 'string',
      enum: ['track', 'page', 'screen', 'identify', 'group', 'alias'],
      default: 'track',
    },
    event: { type: 'string', maxLength: 200, description: 'Name of a track call (required for track).' },
    name: { type: 'string', maxLength: 200 },
    userId: { type: 'string', maxLength: 200 },
    anonymousId: { type: 'string', maxLength: 200, description: 'userId or anonymousId is required.' },
    messageId: {
      type: 'string',
      maxLength: 200,
      description:
        'De-duplication key: the same messageId within 7 days is stored once. Without one the server makes one (and cannot de-duplicate).',
    },
    timestamp: {
      type: 'string',
      format: 'date-time',
      description: 'When it happened, by the client clock (corrected with sentAt).',
    },
    sentAt: {
      type: 'string',
      format: 'date-time',
      description: 'When the client sent it, by the same clock.',
    },
    eventType: { type: 'string', enum: ['user_action', 'ai_prediction'], default: 'user_action' },
    properties: { type: 'object' },
    traits: { type: 'object' },
    context: { type: 'object' },
  },
  example: {
    type: 'track',
    event: 'Order Completed',
    userId: 'u-42',
    messageId: 'msg-0001',
    timestamp: '2026-12-01T10:00:00.000Z',
    sentAt: '2026-12-01T10:00:01.000Z',
    properties: { plan: 'pro', total: 99.5 },
  },
};

export const TRACK_BODY: ApiBodyOptions = { schema: SEGMENT_EVENT };
export const BATCH_BODY: ApiBodyOptions = {
  schema: {
    type: 'object',
    required: ['batch'],
    properties: {
      batch: { type: 'array', items: SEGMENT_EVENT, description: 'At most 500 KB in all, 32 KB per event.' },
      sentAt: {
        type: 'string',
        format: 'date-time',
        description: 'Batch-level sentAt, for events without their own.',
      },
      context: { type: 'object', description: 'Ignored (Segment libraries send it).' },
    },
    example: { batch: [SEGMENT_EVENT.example], sentAt: '2026-12-01T10:00:01.000Z' },
  },
};
