// What a plan right after apply may show against moto, and only there: the places where the emulator answers
// differently from AWS. Each gap names a resource type and a top-level attribute, and accepts only the values that
// gap produces (never any change of that attribute), so a real difference in the same attribute still fails.
// Anything else a second plan wants to change, or any replacement, is a failure.
import { isDeepStrictEqual } from 'node:util';

const isEmpty = (value) => value === undefined || value === null || (Array.isArray(value) && value.length === 0);

function parsedJson(value) {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** Same JSON document, written differently (whitespace, escaping). Key order is already irrelevant to JSON.parse. */
const sameJson = ({ before, after }) => {
  const a = parsedJson(before);
  return a !== undefined && isDeepStrictEqual(a, parsedJson(after));
};

export const EMULATOR_GAPS = [
  {
    // moto's Lambda accepts LoggingConfig but GetFunction does not return it: after refresh the state has no
    // logging_config and the plan sets it again. AWS returns it (the log group the module creates).
    type: 'aws_lambda_function',
    attribute: 'logging_config',
    accepts: ({ before }) => isEmpty(before),
  },
  {
    // moto's Lambda accepts KMSKeyArn (the key of the function's environment) but GetFunction does not return it: the
    // state reads none and the plan sets the key again. AWS returns it.
    type: 'aws_lambda_function',
    attribute: 'kms_key_arn',
    accepts: ({ before }) => isEmpty(before) || before === '',
  },
  {
    // moto returns the queue's RedrivePolicy as Python's json.dumps writes it ({"a": 1}, with spaces); AWS returns
    // it compact, as the provider wrote it. The same document, so only the spelling differs.
    type: 'aws_sqs_queue',
    attribute: 'redrive_policy',
    accepts: sameJson,
  },
  {
    // moto's DescribeDBParameters returns the parameters a group was given without their Source ("user"), and the
    // provider keeps only user parameters: the state reads none and the plan sets them again. AWS marks them "user".
    type: 'aws_db_parameter_group',
    attribute: 'parameter',
    accepts: ({ before }) => isEmpty(before),
  },
];

/** Top-level attributes whose value differs between before and after, or becomes unknown. */
function changedAttributes(change) {
  const before = change.before ?? {};
  const after = change.after ?? {};
  const unknown = change.after_unknown ?? {};
  const names = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  return [...names]
    .filter((name) => unknown[name] === true || !isDeepStrictEqual(before[name] ?? null, after[name] ?? null))
    .map((name) => ({ name, before: before[name], after: after[name], unknown: unknown[name] === true }));
}

/**
 * Splits the changes of a plan's JSON into those the listed gaps explain and the rest.
 * Returns { explained: ["address.attribute", ...], unexplained: ["address: reason", ...] }.
 */
export function classifyChanges(plan, gaps = EMULATOR_GAPS) {
  const explained = [];
  const unexplained = [];
  for (const resource of plan.resource_changes ?? []) {
    const { actions } = resource.change;
    if (actions.every((action) => action === 'no-op' || action === 'read')) continue;
    if (actions.join(',') !== 'update') {
      unexplained.push(`${resource.address}: ${actions.join('+')}`);
      continue;
    }
    for (const attribute of changedAttributes(resource.change)) {
      const gap = gaps.find((candidate) => candidate.type === resource.type && candidate.attribute === attribute.name);
      const label = `${resource.address}.${attribute.name}`;
      if (gap && !attribute.unknown && gap.accepts(attribute)) explained.push(label);
      else
        unexplained.push(
          `${label}: ${JSON.stringify(attribute.before)} -> ${attribute.unknown ? '(known after apply)' : JSON.stringify(attribute.after)}`,
        );
    }
  }
  return { explained, unexplained };
}
