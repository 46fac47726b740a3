/**
 * The DOM helpers the run and brief pages' inline scripts share: plain ES2020 in a string (no build
 * step), building nodes with createElement/textContent only, so API text never becomes markup.
 * Written without template literals or backslashes so it survives being inside a TS string.
 */
export const CLIENT_HELPERS = `
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

  // The last path segment(s) after a prefix: /runs/{id} → id.
  function pathPart(index) {
    var parts = location.pathname.split('/').filter(Boolean);
    return parts[index] ? decodeURIComponent(parts[index]) : '';
  }

  function getJson(url) {
    return fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function (response) {
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
      signIn ? h('a', { class: 'button', href: '/sign-in?next=' + encodeURIComponent(location.pathname) }, 'Sign in') : null));
  }
`;
