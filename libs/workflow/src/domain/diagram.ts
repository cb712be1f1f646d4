import type { Definition, Step } from './definition.types';

// Mermaid node shapes by kind; labels are quoted, with quotes and brackets made harmless.
const label = (s: Step) => `"${`${s.title ?? s.id} (${s.kind})`.replace(/["<>]/g, "'").replace(/[\r\n\t]+/g, ' ')}"`;
const node = (s: Step) => {
  const id = `s_${s.id.replace(/[^A-Za-z0-9_]/g, '_')}`;
  switch (s.kind) {
    case 'choice':
      return `${id}{${label(s)}}`;
    case 'end':
      return `${id}((${label(s)}))`;
    case 'timer':
      return `${id}[/${label(s)}/]`;
    case 'action':
      return `${id}[[${label(s)}]]`;
    default:
      return `${id}[${label(s)}]`;
  }
};
const ref = (id: string) => `s_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;

/** The definition as a Mermaid flowchart. */
export function toMermaid(d: Definition): string {
  const lines = ['flowchart TD', `  start(( )) --> ${ref(d.start)}`];
  for (const s of d.steps) lines.push(`  ${node(s)}`);
  for (const s of d.steps) {
    const from = ref(s.id);
    switch (s.kind) {
      case 'task':
      case 'approval':
        lines.push(`  ${from} -->|${s.kind === 'approval' ? 'approved' : 'done'}| ${ref(s.next)}`);
        if (s.onReject) lines.push(`  ${from} -->|rejected| ${ref(s.onReject)}`);
        if (s.sla) lines.push(`  %% ${s.id}: due ${s.sla.due}, on breach ${Object.keys(s.sla.onBreach)[0]}`);
        break;
      case 'choice':
        s.branches.forEach((b, i) => lines.push(`  ${from} -->|branch ${i + 1}| ${ref(b.next)}`));
        lines.push(`  ${from} -->|otherwise| ${ref(s.otherwise)}`);
        break;
      case 'timer':
        lines.push(`  ${from} -->|${s.duration ?? `until ${s.until}`}| ${ref(s.next)}`);
        break;
      case 'action':
        lines.push(`  ${from} -->|${s.action}| ${ref(s.next)}`);
        break;
      case 'end':
        break;
      default: {
        const unknown: never = s;
        return unknown;
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
