// Response examples for the OpenAPI document.
export const EMPLOYEE_EXAMPLE = {
  id: 'c0a8012e-7a1f-4b4e-9d3a-6f3b2a1c9e77',
  type: 'employee',
  status: 'active',
  subjectId: '5d1f0c7e-2b8a-4c7e-9f0e-3b6a1d2c4e55',
  userId: 'usr_42',
  data: { fullName: 'Grace Hopper', email: 'grace@example.test', nationalId: '************8.97', position: 'Engineer', department: 'Platform', salary: '91000.00', currency: 'EUR', startDate: '2026-01-05' },
  state: { managerRecordId: null, candidateRecordId: null },
  createdBy: 'usr_7',
  createdAt: '2026-11-25T09:00:00.000Z',
  updatedAt: '2026-11-25T09:00:00.000Z',
};

export const CANDIDATE_EXAMPLE = {
  ...EMPLOYEE_EXAMPLE,
  type: 'candidate',
  status: 'applied',
  userId: null,
  data: { fullName: 'Ada Lovelace', email: 'ada@example.test', appliedFor: 'Analyst', source: 'referral', expectedSalary: '[purpose required]' },
  state: { consentUntil: null },
};

export const REVIEW_EXAMPLE = {
  ...EMPLOYEE_EXAMPLE,
  type: 'performance',
  status: 'submitted',
  data: { period: '2026-H2', reviewSummary: 'Delivered the risk dashboard early.', rating: 4 },
  state: { employeeRecordId: 'c0a8012e-7a1f-4b4e-9d3a-6f3b2a1c9e77', reviewerId: 'usr_7', approvals: ['usr_9'], ratingStatus: 'proposed' },
};

export const PAGE_EXAMPLE = { items: [EMPLOYEE_EXAMPLE], nextCursor: null };
