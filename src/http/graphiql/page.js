// Starts GraphiQL on hindsight's page (src/http/graphiql/mod.rs). A file of its own, not an
// inline script, so the page's Content-Security-Policy can forbid inline scripts.
(function () {
  'use strict';

  // Subscriptions go over the websocket endpoint of the same server: wss:// when the page
  // came over https://. GraphiQL passes the Headers tab (the Authorization header) as the
  // payload of `connection_init`, which is where /graphql/ws reads the token.
  var websocketScheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: location.origin + '/graphql',
    subscriptionUrl: websocketScheme + '//' + location.host + '/graphql/ws',
  });

  var defaultQuery = [
    '# hindsight\'s GraphQL API. Every request needs a token: put it in the Headers tab',
    '# below, as {"Authorization": "Bearer <token>"} (an operator makes one with',
    '# `hindsight token`), then reload the schema (the circular arrow on the left).',
    '# The Headers tab is kept in this browser\'s local storage, for this site only.',
    '',
    'query Recent {',
    '  incidents(first: 5) {',
    '    edges {',
    '      node {',
    '        id',
    '        title',
    '        status',
    '      }',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  var root = document.getElementById('graphiql');
  document.body.style.margin = '0';
  root.style.height = '100vh';
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: true,
    })
  );
})();
