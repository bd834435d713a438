// Loads the schema from a running server the way front-end tooling does: graphql-js's own
// introspection query (the defaults, and every option on as GraphiQL asks), then
// buildClientSchema over the answer, which fails on any malformed or partial result.
//   HINDSIGHT_TOKEN=... node introspection.mjs http://127.0.0.1:8080/graphql
import { buildClientSchema, getIntrospectionQuery, printSchema } from 'graphql';

const url = process.argv[2];
const token = process.env.HINDSIGHT_TOKEN;
if (!url || !token) {
  console.error('usage: HINDSIGHT_TOKEN=... node introspection.mjs <graphql url>');
  process.exit(2);
}

const variants = {
  'graphql-js defaults': {},
  'GraphiQL (every option)': {
    descriptions: true,
    inputValueDeprecation: true,
    schemaDescription: true,
    directiveIsRepeatable: true,
    specifiedByUrl: true,
  },
};

let failed = false;
for (const [name, options] of Object.entries(variants)) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: getIntrospectionQuery(options), operationName: 'IntrospectionQuery' }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.errors) {
    console.error(`FAIL ${name}: HTTP ${res.status} ${JSON.stringify(body.errors ?? body)}`);
    failed = true;
    continue;
  }
  const schema = buildClientSchema(body.data);
  const types = Object.keys(schema.getTypeMap()).length;
  if (!schema.getType('Incident') || !schema.getQueryType()) {
    console.error(`FAIL ${name}: the schema lacks Query or Incident`);
    failed = true;
    continue;
  }
  console.log(`ok ${name}: ${types} types, ${printSchema(schema).length} characters of SDL`);
}
process.exit(failed ? 1 : 0);
