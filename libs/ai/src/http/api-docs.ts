import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiResponse } from '@nestjs/swagger';

const problem = (code: string) => ({ 'application/problem+json': { schema: { type: 'object', example: { type: 'about:blank', title: code, status: 0, code, detail: '...' } } } });

/** The problem+json refusals a registry command may answer. */
export const RegistryRefusals = (conflict: string, forbidden?: string) =>
  applyDecorators(
    ApiBadRequestResponse({ description: 'AI.INPUT_INVALID, naming the field', content: problem('AI.INPUT_INVALID') }),
    ApiNotFoundResponse({ description: "AI.MODEL_NOT_FOUND or AI.VERSION_NOT_FOUND (also for another company's ids)", content: problem('AI.MODEL_NOT_FOUND') }),
    ApiConflictResponse({ description: conflict, content: problem(conflict.split(' ')[0]) }),
    ...(forbidden ? [ApiForbiddenResponse({ description: forbidden, content: problem(forbidden.split(' ')[0]) })] : []),
  );

/** The refusals of a prediction: stopped (423), undeployed or unaccepted (409), and the registry's. */
export const PredictionRefusals = () =>
  applyDecorators(
    RegistryRefusals('AI.VERSION_NOT_DEPLOYED (no deployed version, another version named, or a global model not accepted): nothing is recorded'),
    ApiResponse({ status: 423, description: 'AI.MODEL_STOPPED: the model is under an emergency stop; nothing is recorded', content: problem('AI.MODEL_STOPPED') }),
  );
