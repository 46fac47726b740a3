/**
 * How every page's script signs in and calls the API; plain ES2020 in a string (no build step, no SDK).
 * Written without template literals or backslashes so it survives being inside a TS string.
 *
 * The server says how in `<meta name="sergas-config">` (web/page-auth.ts), with the path the site is
 * served under (`basePath`, web/base-path.ts): every URL a script builds goes through `siteUrl`, and
 * `sitePathname` is the page's own path without it.
 *
 * Signing in:
 * - `local`: the HttpOnly, SameSite=Strict session cookie /sign-in set rides along (same origin only);
 * - `cognito`: the page holds Cognito tokens and sends `Authorization: Bearer <ID token>` and no cookie,
 *   because API Gateway's Cognito authorizer reads only that header. The ID token is refreshed with
 *   REFRESH_TOKEN_AUTH when it has under five minutes left, and once more when the API answers 401.
 *
 * The tokens live in sessionStorage: no other origin can read it, it is gone when the tab closes, and it is
 * not sent with any request by itself (so no CSRF). Only our own inline scripts run on these pages: the
 * CSP allows no script from anywhere and lets pages connect only to us and Cognito's endpoint.
 */
export const AUTH_CLIENT = `
  var PAGE_CONFIG = (function () {
    var el = document.getElementById('sergas-config');
    var config = null;
    try { config = JSON.parse((el && el.getAttribute('content')) || 'null'); } catch (ignored) { config = null; }
    return config && typeof config === 'object' ? config : {};
  })();
  var AUTH = PAGE_CONFIG.auth === 'cognito' && PAGE_CONFIG.endpoint && PAGE_CONFIG.userPoolClientId ? PAGE_CONFIG : { auth: 'local' };
  // The path the site is served under ('' at the root, '/prod' under API Gateway's stage): segments of
  // plain path characters only, so a prefixed URL can never turn into another host (//x) or a query.
  var BASE = typeof PAGE_CONFIG.basePath === 'string' && /^([/][-A-Za-z0-9._~%!$&'()*+,;=:@]+)*$/.test(PAGE_CONFIG.basePath)
    ? PAGE_CONFIG.basePath : '';

  // A path on this site (like /api/v1/accounts) as the browser must ask for it.
  function siteUrl(path) { return BASE + path; }

  // This page's path on the site: location.pathname without BASE.
  function sitePathname() {
    var path = location.pathname;
    if (!BASE) return path;
    if (path === BASE) return '/';
    return path.indexOf(BASE + '/') === 0 ? path.slice(BASE.length) : path;
  }
  var SESSION_KEY = 'sergas.session';
  var REFRESH_MARGIN_MS = 5 * 60 * 1000;

  function sessionStore() {
    try { return typeof sessionStorage === 'undefined' ? null : sessionStorage; } catch (ignored) { return null; }
  }

  function claimsOf(jwt) {
    try {
      var text = atob(String(jwt).split('.')[1].split('-').join('+').split('_').join('/'));
      var bytes = new Uint8Array(text.length);
      for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (ignored) { return null; }
  }

  function loadSession() {
    var store = sessionStore();
    if (!store) return null;
    try {
      var session = JSON.parse(store.getItem(SESSION_KEY) || 'null');
      return session && session.idToken ? session : null;
    } catch (ignored) { return null; }
  }

  // Cognito's AuthenticationResult, kept; REFRESH_TOKEN_AUTH answers without a refresh token, so the old one stays.
  function saveSession(result, previous) {
    var claims = claimsOf(result.IdToken) || {};
    var session = {
      idToken: result.IdToken,
      refreshToken: result.RefreshToken || (previous && previous.refreshToken) || null,
      expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : Date.now() + (Number(result.ExpiresIn) || 3600) * 1000,
      name: String(claims.name || claims.email || claims['cognito:username'] || '')
    };
    var store = sessionStore();
    if (store) store.setItem(SESSION_KEY, JSON.stringify(session));
    return session;
  }

  function clearSession() {
    var store = sessionStore();
    if (store) store.removeItem(SESSION_KEY);
  }

  // One call of Cognito's JSON API (what the AWS SDK sends), answered with its JSON or a named error.
  function cognito(action, body) {
    return fetch(AUTH.endpoint, {
      method: 'POST',
      credentials: 'omit',
      cache: 'no-store',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.' + action },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) return data || {};
        var type = String((data && (data.__type || data.code)) || 'HTTP ' + response.status);
        var error = new Error(String((data && (data.message || data.Message)) || type));
        error.cognito = type.slice(type.lastIndexOf('#') + 1);
        error.status = response.status;
        throw error;
      });
    });
  }

  var refreshing = null;
  function refreshSession(session) {
    refreshing = refreshing || cognito('InitiateAuth', {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: AUTH.userPoolClientId,
      AuthParameters: { REFRESH_TOKEN: session.refreshToken }
    }).then(function (data) {
      if (!data.AuthenticationResult || !data.AuthenticationResult.IdToken) throw new Error('Cognito sent no token');
      return saveSession(data.AuthenticationResult, session);
    }).catch(function (error) {
      // A revoked or expired refresh token will not work later either: sign in again.
      if (error && error.cognito === 'NotAuthorizedException') { clearSession(); return null; }
      return session.expiresAt > Date.now() ? session : null;
    }).then(function (result) {
      refreshing = null;
      return result;
    });
    return refreshing;
  }

  // The ID token to send, refreshed first when it is about to expire (or when forced after a 401).
  function currentIdToken(force) {
    var session = loadSession();
    if (!session) return Promise.resolve(null);
    if (!force && session.expiresAt - Date.now() > REFRESH_MARGIN_MS) return Promise.resolve(session.idToken);
    if (!session.refreshToken) return Promise.resolve(!force && session.expiresAt > Date.now() ? session.idToken : null);
    return refreshSession(session).then(function (fresh) { return fresh ? fresh.idToken : null; });
  }

  // Every API request of every page goes through here.
  function apiFetch(url, init) {
    function options(credentials) {
      var copy = {};
      Object.keys(init || {}).forEach(function (key) { copy[key] = init[key]; });
      copy.credentials = credentials;
      return copy;
    }
    if (AUTH.auth !== 'cognito') return fetch(url, options('same-origin'));
    function send(token) {
      var request = options('omit');
      var headers = {};
      var given = (init && init.headers) || {};
      Object.keys(given).forEach(function (key) { headers[key] = given[key]; });
      if (token) headers.authorization = 'Bearer ' + token;
      request.headers = headers;
      return fetch(url, request);
    }
    return currentIdToken(false).then(function (token) {
      return send(token).then(function (response) {
        if (response.status !== 401 || !token) return response;
        return currentIdToken(true).then(function (fresh) { return fresh && fresh !== token ? send(fresh) : response; });
      });
    });
  }

  function signedInName() {
    var session = AUTH.auth === 'cognito' ? loadSession() : null;
    return session ? session.name || 'you' : '';
  }

  // Forgets the tokens here and revokes the refresh token at Cognito, so it cannot mint new ID tokens.
  function signOut() {
    var session = loadSession();
    clearSession();
    if (AUTH.auth !== 'cognito' || !session || !session.refreshToken) return Promise.resolve();
    return cognito('RevokeToken', { ClientId: AUTH.userPoolClientId, Token: session.refreshToken }).catch(function () {});
  }
`;

/**
 * A server-sent events reader over fetch, for the same reason: EventSource cannot send an Authorization
 * header. `createSseParser` follows the HTML standard's event-stream interpretation (lines end in CRLF,
 * LF or CR, also split across chunks; `:` comments; `data` lines joined with LF; `id`, `event`, `retry`).
 * Needs AUTH_CLIENT (apiFetch) before it.
 */
export const SSE_CLIENT = `
  var LF = String.fromCharCode(10);
  var CR = String.fromCharCode(13);
  var NUL = String.fromCharCode(0);

  function createSseParser(onEvent, onRetry, initialLastEventId) {
    var rest = '';
    var skipLF = false;
    var data = '';
    var type = '';
    var idBuffer = initialLastEventId || '';
    var lastEventId = idBuffer;
    var started = false;

    function dispatch() {
      lastEventId = idBuffer;
      if (data === '') { type = ''; return; }
      var event = { type: type || 'message', data: data.slice(0, -1), lastEventId: lastEventId };
      data = '';
      type = '';
      onEvent(event);
    }

    function line(text) {
      if (text === '') return dispatch();
      if (text.charAt(0) === ':') return;
      var colon = text.indexOf(':');
      var field = colon < 0 ? text : text.slice(0, colon);
      var value = colon < 0 ? '' : text.slice(colon + 1);
      if (value.charAt(0) === ' ') value = value.slice(1);
      if (field === 'data') data += value + LF;
      else if (field === 'event') type = value;
      else if (field === 'id') { if (value.indexOf(NUL) < 0) idBuffer = value; }
      else if (field === 'retry') { if (/^[0-9]+$/.test(value) && onRetry) onRetry(Number(value)); }
    }

    return {
      push: function (chunk) {
        var text = String(chunk);
        if (!started && text) {
          started = true;
          if (text.charCodeAt(0) === 65279) text = text.slice(1);
        }
        text = rest + text;
        var start = 0;
        if (skipLF && text.charAt(0) === LF) start = 1;
        if (text) skipLF = false;
        for (var i = start; i < text.length; i++) {
          var c = text.charAt(i);
          if (c !== CR && c !== LF) continue;
          line(text.slice(start, i));
          if (c === CR) {
            if (i + 1 === text.length) skipLF = true;
            else if (text.charAt(i + 1) === LF) i++;
          }
          start = i + 1;
        }
        rest = text.slice(start);
      },
      lastEventId: function () { return lastEventId; }
    };
  }

  // Reads url as an event stream until options.isLast(event) says so or the server answers 204 (nothing
  // more to read). A dropped connection, a 5xx or a 429 reconnects after the server's retry delay, doubled
  // per failure in a row (up to a minute, with jitter), sending Last-Event-ID so nothing is missed or repeated.
  function readEventStream(url, options) {
    var lastEventId = options.lastEventId || '';
    var retryMs = options.retryMs || 2000;
    var failures = 0;
    var stopped = false;
    var controller = null;
    var timer = null;

    function close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (controller) controller.abort();
    }

    function end(reason, error) {
      if (stopped) return;
      close();
      if (options.onEnd) options.onEnd(reason, error || null);
    }

    function reconnect(error) {
      if (stopped) return;
      if (options.onError) options.onError(error || null);
      var delay = Math.min(retryMs * Math.pow(2, failures), 60000);
      failures++;
      timer = setTimeout(connect, Math.round(delay / 2 + (Math.random() * delay) / 2));
    }

    function connect() {
      timer = null;
      if (stopped) return;
      controller = typeof AbortController === 'function' ? new AbortController() : null;
      var headers = { accept: 'text/event-stream' };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      var parser = createSseParser(function (event) {
        if (stopped) return;
        failures = 0;
        options.onEvent(event);
        if (options.isLast && options.isLast(event)) end('finished');
      }, function (ms) { retryMs = ms; }, lastEventId);
      var init = { headers: headers, cache: 'no-store' };
      if (controller) init.signal = controller.signal;
      apiFetch(url, init).then(function (response) {
        if (stopped) return;
        if (response.status === 204) return end('finished');
        var contentType = String((response.headers && response.headers.get && response.headers.get('content-type')) || '');
        if (!response.ok || contentType.indexOf('text/event-stream') !== 0 || !response.body) {
          var failure = new Error('HTTP ' + response.status);
          failure.status = response.status;
          // Only an outage or a rate limit gets better by waiting; a 401, 403 or 404 would not.
          if (response.status >= 500 || response.status === 429) return reconnect(failure);
          return end('failed', failure);
        }
        if (options.onOpen) options.onOpen();
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        function pump() {
          return reader.read().then(function (step) {
            if (stopped) { reader.cancel().catch(function () {}); return; }
            if (step.done) {
              parser.push(decoder.decode());
              lastEventId = parser.lastEventId();
              return reconnect(null);
            }
            parser.push(decoder.decode(step.value, { stream: true }));
            lastEventId = parser.lastEventId();
            return pump();
          });
        }
        return pump();
      }).catch(function (error) {
        reconnect(error);
      });
    }

    connect();
    return { close: close };
  }
`;

/**
 * The DOM helpers the dashboard, run and brief pages' inline scripts share: plain ES2020 in a string (no build
 * step), building nodes with createElement/textContent only, so API text never becomes markup.
 * Written without template literals or backslashes so it survives being inside a TS string.
 */
export const CLIENT_HELPERS = `${AUTH_CLIENT}
  function byId(id) { return document.getElementById(id); }

  function appendChild(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { appendChild(el, c); }); return; }
    el.append(typeof child === 'object' ? child : String(child));
  }

  function h(tag, props) {
    var el = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        var value = props[key];
        if (value === null || value === undefined || value === false) return;
        if (key === 'text') el.textContent = String(value);
        else if (key === 'class') el.className = value;
        else el.setAttribute(key, value === true ? '' : String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) appendChild(el, arguments[i]);
    return el;
  }

  function humanize(value) {
    var words = String(value || '').split('_').join(' ').split('-').join(' ').trim();
    return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
  }

  function timeEl(iso) {
    var date = new Date(iso);
    if (!iso || isNaN(date.getTime())) return h('span', { class: 'muted', text: '—' });
    return h('time', { datetime: date.toISOString(), title: date.toISOString() }, date.toLocaleString());
  }

  function duration(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return 'running';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    if (ms < 3600000) return Math.round(ms / 60000) + ' min';
    return (ms / 3600000).toFixed(1) + ' h';
  }

  // A segment of this page's path on the site (without BASE): /runs/{id} → 1 is the id.
  function pathPart(index) {
    var parts = sitePathname().split('/').filter(Boolean);
    return parts[index] ? decodeURIComponent(parts[index]) : '';
  }

  function getJson(url) {
    return apiFetch(url, { headers: { accept: 'application/json' } }).then(function (response) {
      if (!response.ok) {
        var error = new Error('HTTP ' + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    });
  }

  function showError(box, what, error) {
    var signIn = error && error.status === 401;
    box.replaceChildren(h('div', { class: 'notice tone-danger', role: 'alert' },
      h('p', { text: signIn ? 'Sign in to see the ' + what + '.' : error && error.status === 404
        ? 'No such ' + what + ', or it is not yours to see.' : 'Could not load the ' + what + '.' }),
      signIn ? h('a', { class: 'button', href: siteUrl('/sign-in?next=' + encodeURIComponent(sitePathname())) }, 'Sign in') : null));
  }
`;
