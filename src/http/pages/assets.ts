/**
 * The script and style of the email-link pages (auth-pages.ts), served as
 * files from the API's origin so the pages' Content-Security-Policy can
 * forbid inline code. Kept here as text so they ship inside the build.
 */

export const PAGES_JS = `// The sign-in and password pages of FindMe's emails: plain script, no framework.
(function () {
  'use strict';
  var form = document.querySelector('form[data-flow]');
  var status = document.getElementById('status');
  if (!form || !status) return;
  var token = new URLSearchParams(location.search).get('token') || '';
  // The token leaves the address bar (and the history) at once.
  history.replaceState(null, '', location.pathname);

  function say(text, kind) {
    status.textContent = text;
    status.className = kind || '';
  }

  if (!token) {
    say('This link is incomplete: open the link from the email again.', 'error');
    form.hidden = true;
    return;
  }

  function call(query, variables) {
    return fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-findme-refresh': 'cookie' },
      body: JSON.stringify({ query: query, variables: variables }),
    })
      .then(function (res) {
        return res.json();
      })
      .then(function (body) {
        if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
        return body.data;
      }, function (err) {
        if (err instanceof TypeError) throw new Error('FindMe cannot be reached: check your connection and try again.');
        throw err;
      });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button');
    button.disabled = true;
    var flow = form.getAttribute('data-flow');
    var done;
    if (flow === 'sign-in') {
      say('Signing you in…');
      done = call('mutation ($t: String!) { signInWithLink(token: $t) { user { displayName } } }', { t: token }).then(function (data) {
        form.hidden = true;
        say('You are signed in as ' + data.signInWithLink.user.displayName + '.', 'ok');
        var open = document.createElement('a');
        open.href = '/';
        open.textContent = 'Open FindMe';
        form.parentNode.appendChild(open);
        open.focus();
      });
    } else {
      var password = form.elements.password.value;
      if (password !== form.elements.confirm.value) {
        say('The two passwords differ: type the same one twice.', 'error');
        button.disabled = false;
        return;
      }
      say('Saving…');
      done = call('mutation ($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }', { t: token, p: password }).then(function () {
        form.hidden = true;
        say('Your password is changed, and every device was signed out. Sign in with the new password.', 'ok');
      });
    }
    done.catch(function (err) {
      say(String(err.message).replace(/^(token|newPassword): /, ''), 'error');
      button.disabled = false;
    });
  });
})();
`;

export const PAGES_CSS = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; padding: 1.5rem; }
main { max-width: 28rem; margin: 0 auto; }
h1 { font-size: 1.5rem; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { box-sizing: border-box; width: 100%; padding: 0.75rem; font-size: 1rem; border: 1px solid #767676; border-radius: 0.5rem; }
button { margin-top: 1.25rem; padding: 0.75rem 1.5rem; font-size: 1rem; border: 0; border-radius: 0.5rem; background: #0b57d0; color: #fff; cursor: pointer; min-height: 44px; }
button:disabled { opacity: 0.6; cursor: progress; }
button:focus-visible, input:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
.error { color: #b3261e; }
.ok { color: #146c2e; }
@media (prefers-color-scheme: dark) { .error { color: #f2b8b5; } .ok { color: #a8dab5; } button { background: #a8c7fa; color: #062e6f; } }
`;
