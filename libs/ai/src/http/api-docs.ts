import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse } from '@nestjs/swagger';

const problem = (code: string) => ({ 'application/problem+json': { schema: { type: 'object', example: { type: 'about:blank', title: code, status: 0, code, detail: '...' } } } });

/** The problem+json refusals a registry command may answer. */
export const RegistryRefusals = (conflict: string, forbidden?: string) =>
  applyDecorators(
    ApiBadRequestResponse({ description: 'AI.INPUT_INVALID, naming the field', content: problem('AI.INPUT_INVALID') }),
    ApiNotFoundResponse({ description: "AI.MODEL_NOT_FOUND or AI.VERSION_NOT_FOUND (also for another company's ids)", content: problem('AI.MODEL_NOT_FOUND') }),
    ApiConflictResponse({ description: conflict, content: problem(conflict.split(' ')[0]) }),
    ...(forbidden ? [ApiForbiddenResponse({ description: forbidden, content: problem(forbidden.split(' ')[0]) })] : []),
  );
