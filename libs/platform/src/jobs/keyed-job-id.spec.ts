import { keyedJobId } from './keyed-job-id';

describe('keyedJobId', () => {
  it('gives the same UUID for the same queue and key, from any process', () => {
    expect(keyedJobId('workflow.sla', 'step-1')).toBe(keyedJobId('workflow.sla', 'step-1'));
    expect(keyedJobId('workflow.sla', 'step-1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('separates keys and queues', () => {
    expect(keyedJobId('workflow.sla', 'step-1')).not.toBe(keyedJobId('workflow.sla', 'step-2'));
    expect(keyedJobId('a', 'bc')).not.toBe(keyedJobId('ab', 'c'));
  });
});
