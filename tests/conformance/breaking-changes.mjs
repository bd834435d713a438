// Compares the schema as last released (schema/released.graphql) with the schema as it is now
// (schema/schema.graphql) using graphql-js's findBreakingChanges and findDangerousChanges, the
// checks graphql-inspector's `diff` is built on. Every breaking change is printed, and the run
// fails unless each one is listed, with a reason, in schema/allowed-breaking-changes.txt.
// Dangerous changes (an enum value or an optional argument added, ...) are printed as warnings.
// A deprecation in the current schema without a reason (or with graphql's default "No longer
// supported") fails too: it must name what replaces the deprecated element.
//
//   node breaking-changes.mjs                    compare the repository's schema files
//   node breaking-changes.mjs --released A --current B --allow C
//   node breaking-changes.mjs --self-test        prove the check fails on real breaking changes
//
// Exit codes: 0 passed, 1 breaking changes or unexplained deprecations, 2 usage or file error.
//
// The rule it enforces: never remove or change a field silently. Deprecate it with
// `#[graphql(deprecation = "Use `newField` instead.")]`, ship a release with the deprecation,
// and only then remove it, with a line in the allow-list saying why.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildSchema,
  DEFAULT_DEPRECATION_REASON,
  findBreakingChanges,
  findDangerousChanges,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  print,
} from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const schemaDir = resolve(here, '../../schema');
const defaults = {
  released: join(schemaDir, 'released.graphql'),
  current: join(schemaDir, 'schema.graphql'),
  allow: join(schemaDir, 'allowed-breaking-changes.txt'),
};

class UsageError extends Error {}

/// The schema element a change is about, as the allow-list names it: `Type`, `Type.field`
/// (also for its arguments) or `Enum.VALUE`. graphql-js words its descriptions in a few fixed
/// shapes (src/utilities/findBreakingChanges.ts); anything else is named by its description.
export function subjectOf(change) {
  const d = change.description;
  const patterns = [
    [/^A required arg \w+ on (\w+\.\w+) was added\.$/, (m) => m[1]],
    [/^A required field (\w+) on input type (\w+) was added\.$/, (m) => `${m[2]}.${m[1]}`],
    [/^(\w+) was removed from enum type (\w+)\.$/, (m) => `${m[2]}.${m[1]}`],
    [/^(\w+) was removed from union type (\w+)\.$/, (m) => `${m[2]}`],
    [/^(\w+) no longer implements interface \w+\.$/, (m) => m[1]],
    [/^(\w+\.\w+)\b/, (m) => m[1]],
    [/^(?:Standard scalar )?(\w+)\b/, (m) => m[1]],
  ];
  for (const [pattern, name] of patterns) {
    const m = d.match(pattern);
    if (m) return name(m);
  }
  return d;
}

/// `SUBJECT: reason` per line; blank lines and `#` comments are skipped. A line without a
/// reason is refused: a deliberate break says why.
export function parseAllowList(text, file) {
  const allowed = new Map();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const subject = colon < 0 ? line : line.slice(0, colon).trim();
    const reason = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (subject === '' || reason === '') {
      throw new UsageError(`${file}:${i + 1}: write \`Type.field: reason\` (the reason is required)`);
    }
    allowed.set(subject, reason);
  });
  return allowed;
}

function readSchema(path, what) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the ${what} schema ${path}: ${e.message}`);
  }
  try {
    return buildSchema(text);
  } catch (e) {
    throw new UsageError(`the ${what} schema ${path} does not build: ${e.message}`);
  }
}

function readAllowList(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return new Map();
    throw new UsageError(`cannot read the allow-list ${path}: ${e.message}`);
  }
  return parseAllowList(text, path);
}

/// Deprecated fields, arguments, input fields and enum values of `schema` whose reason is
/// missing or graphql's default ("No longer supported"): a deprecation names what replaces it.
export function deprecationsWithoutReason(schema) {
  const found = [];
  const check = (path, reason) => {
    if (reason == null) return;
    if (reason.trim() === '' || reason === DEFAULT_DEPRECATION_REASON) found.push(path);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        check(`${type.name}.${field.name}`, field.deprecationReason);
        for (const arg of field.args ?? []) {
          check(`${type.name}.${field.name}(${arg.name}:)`, arg.deprecationReason);
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.deprecationReason);
    }
  }
  return found;
}

/// What the released schema said about a removed field: whether clients were warned.
function removalNote(before, subject) {
  const [typeName, fieldName] = subject.split('.');
  const type = before.getType(typeName);
  const field = fieldName && type?.getFields ? type.getFields()[fieldName] : undefined;
  if (!field) return '';
  return field.deprecationReason
    ? ` (deprecated in the release: ${field.deprecationReason})`
    : ' (never deprecated: deprecate it in a release first)';
}

/// Compares the files; prints what it finds; returns the exit code.
export function compare({ released, current, allow }) {
  const before = readSchema(released, 'released');
  const after = readSchema(current, 'current');
  const allowed = readAllowList(allow);
  const breaking = findBreakingChanges(before, after);
  const dangerous = findDangerousChanges(before, after);
  const used = new Set();
  let unallowed = 0;
  for (const change of breaking) {
    const subject = subjectOf(change);
    const reason = allowed.get(subject) ?? allowed.get(change.description);
    if (reason !== undefined) {
      used.add(allowed.has(subject) ? subject : change.description);
      console.log(`allowed  ${change.type}: ${change.description} (${reason})`);
    } else {
      unallowed += 1;
      const note = change.type === 'FIELD_REMOVED' ? removalNote(before, subject) : '';
      console.log(`BREAKING ${change.type}: ${change.description} [${subject}]${note}`);
    }
  }
  for (const change of dangerous) {
    console.log(`warning  ${change.type}: ${change.description}`);
  }
  for (const subject of allowed.keys()) {
    if (!used.has(subject)) console.log(`note     allow-list entry \`${subject}\` matches no change`);
  }
  const unexplained = deprecationsWithoutReason(after);
  for (const path of unexplained) {
    console.log(`DEPRECATION without a reason: ${path} (say what replaces it)`);
  }
  if (unallowed > 0 || unexplained.length > 0) {
    console.log(
      `\n${unallowed} breaking change(s) against ${released}, ${unexplained.length} deprecation(s) ` +
        'without a reason. Keep the old field and mark it ' +
        '`#[graphql(deprecation = "Use `newField` instead.")]`; remove it only after a release, ' +
        `with a \`Type.field: reason\` line in ${allow}.`,
    );
    return 1;
  }
  console.log(
    `no unallowed breaking change (${breaking.length} breaking, ${dangerous.length} dangerous) ` +
      `between ${released} and ${current}`,
  );
  return 0;
}

/// The schema text with one field of `typeName` removed, or one enum value, or a line of SDL
/// appended: the edits the self-test makes to a copy of the current schema.
function edited(sdl, edit) {
  const doc = parse(sdl);
  const definitions = doc.definitions.map((def) => {
    if (def.name?.value !== edit.type) return def;
    if (edit.removeField) {
      const fields = def.fields.filter((f) => f.name.value !== edit.removeField);
      if (fields.length === def.fields.length) throw new Error(`no field ${edit.type}.${edit.removeField}`);
      return { ...def, fields };
    }
    if (edit.removeValue) {
      const values = def.values.filter((v) => v.name.value !== edit.removeValue);
      if (values.length === def.values.length) throw new Error(`no value ${edit.type}.${edit.removeValue}`);
      return { ...def, values };
    }
    if (edit.deprecateField) {
      const fields = def.fields.map((f) =>
        f.name.value !== edit.deprecateField
          ? f
          : {
              ...f,
              directives: [
                ...(f.directives ?? []),
                parse(`type X { x: Int @deprecated${edit.reason ?? '(reason: "Use `y`.")'} }`)
                  .definitions[0].fields[0].directives[0],
              ],
            },
      );
      return { ...def, fields };
    }
    return def;
  });
  return print({ ...doc, kind: Kind.DOCUMENT, definitions }) + (edit.append ?? '');
}

/// Runs the script on edited copies of the current schema, as CI would, and checks its exit
/// code and output: a removed field or enum value fails, an allow-listed one passes, a
/// deprecation or an added enum value (dangerous, not breaking) passes.
function selfTest() {
  const sdl = readFileSync(defaults.current, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'hindsight-breaking-'));
  const released = join(dir, 'released.graphql');
  writeFileSync(released, sdl);
  const me = fileURLToPath(import.meta.url);
  const run = (current, allowText) => {
    const currentPath = join(dir, 'current.graphql');
    const allowPath = join(dir, 'allow.txt');
    writeFileSync(currentPath, current);
    writeFileSync(allowPath, allowText ?? '');
    const r = spawnSync(
      process.execPath,
      [me, '--released', released, '--current', currentPath, '--allow', allowPath],
      { encoding: 'utf8' },
    );
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const cases = [
    { name: 'the same schema passes', current: sdl, code: 0 },
    {
      name: 'a removed field fails and is named',
      current: edited(sdl, { type: 'Incident', removeField: 'title' }),
      code: 1,
      says: 'Incident.title was removed',
    },
    {
      name: 'a removed enum value fails and is named',
      current: edited(sdl, { type: 'IncidentStatus', removeValue: 'CANCELLED' }),
      code: 1,
      says: '[IncidentStatus.CANCELLED]',
    },
    {
      name: 'a removed query fails',
      current: edited(sdl, { type: 'Query', removeField: 'incident' }),
      code: 1,
      says: 'Query.incident was removed',
    },
    {
      name: 'an allow-listed removal passes',
      current: edited(sdl, { type: 'Incident', removeField: 'title' }),
      allow: '# deliberate\nIncident.title: replaced by `summary` after a release of deprecation\n',
      code: 0,
      says: 'allowed  FIELD_REMOVED',
    },
    {
      name: 'an allow-list entry without a reason is refused',
      current: sdl,
      allow: 'Incident.title\n',
      code: 2,
      says: 'the reason is required',
    },
    {
      name: 'a deprecation is not a break',
      current: edited(sdl, { type: 'Incident', deprecateField: 'title' }),
      code: 0,
    },
    {
      name: 'a deprecation without a reason fails',
      current: edited(sdl, { type: 'Incident', deprecateField: 'title', reason: '' }),
      code: 1,
      says: 'DEPRECATION without a reason: Incident.title',
    },
    {
      name: 'removing a field never deprecated says so',
      current: edited(sdl, { type: 'Incident', removeField: 'title' }),
      code: 1,
      says: 'never deprecated',
    },
    {
      name: 'an added enum value is a warning, not a break',
      current: sdl.replace(/enum IncidentStatus \{/, 'enum IncidentStatus {\n  ON_HOLD'),
      code: 0,
      says: 'warning  VALUE_ADDED_TO_ENUM',
    },
  ];
  let failed = 0;
  for (const c of cases) {
    const { code, out } = run(c.current, c.allow);
    const ok = code === c.code && (!c.says || out.includes(c.says));
    if (!ok) failed += 1;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.name} (exit ${code}, expected ${c.code})`);
    if (!ok) console.log(out.replace(/^/gm, '     | '));
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(failed === 0 ? `self-test passed (${cases.length} cases)` : `self-test: ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

function parseArgs(argv) {
  const options = { ...defaults, selfTest: false };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--self-test') options.selfTest = true;
    else if (['--released', '--current', '--allow'].includes(flag) && argv[i + 1]) {
      options[flag.slice(2)] = resolve(argv[i + 1]);
      i += 1;
    } else {
      throw new UsageError(
        `unknown argument ${flag}\nusage: node breaking-changes.mjs [--self-test] ` +
          '[--released FILE] [--current FILE] [--allow FILE]',
      );
    }
  }
  return options;
}

try {
  const options = parseArgs(process.argv.slice(2));
  process.exit(options.selfTest ? selfTest() : compare(options));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`error: ${e.message}`);
  process.exit(2);
}
