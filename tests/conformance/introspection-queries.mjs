// Writes the introspection queries front-end tools send, exactly as graphql-js 16 builds them,
// to tests/fixtures/ for the API tests (which run without Node):
//   node introspection-queries.mjs
// - introspection-graphql-js.graphql: getIntrospectionQuery() with its defaults, as
//   graphql-inspector, GraphQL Code Generator and Apollo's rover send it;
// - introspection-graphiql.graphql: every option on, as GraphiQL 3 and 4 ask for it
//   (descriptions, input value deprecation, schema description, repeatable directives,
//   specifiedByURL).
import { writeFileSync } from 'node:fs';
import { getIntrospectionQuery } from 'graphql';

const out = new URL('../fixtures/', import.meta.url);
writeFileSync(new URL('introspection-graphql-js.graphql', out), getIntrospectionQuery());
writeFileSync(
  new URL('introspection-graphiql.graphql', out),
  getIntrospectionQuery({
    descriptions: true,
    inputValueDeprecation: true,
    schemaDescription: true,
    directiveIsRepeatable: true,
    specifiedByUrl: true,
  }),
);
