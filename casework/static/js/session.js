/*
 * casework: the idle time-out warning and the autosaving of drafts.
 *
 * Loaded with a plain <script src defer> (the Content-Security-Policy allows no inline script).
 * Everything it needs comes from data- attributes that base.html puts on <body> for a signed-in
 * user (data-idle-minutes, data-warning-minutes, data-keep-alive-url, data-sign-in-url,
 * data-csrf-token), and from data-draft-url on a form whose drafts are kept on the server.
 * Drafts go to the server only: never to localStorage or sessionStorage, which a shared office
 * computer would keep. Without this script the pages work the same; drafts are just not saved.
 */
(function () {
  "use strict";

  var body = document.body;
  var idleMinutes = Number(body.getAttribute("data-idle-minutes"));
  if (!idleMinutes || !window.fetch) {
    return; // not signed in, or a browser too old for the script: the pages work without it
  }
  var warningMinutes = Number(body.getAttribute("data-warning-minutes")) || 5;
  var keepAliveUrl = body.getAttribute("data-keep-alive-url");
  var signInUrl = body.getAttribute("data-sign-in-url");
  var csrfToken = body.getAttribute("data-csrf-token");

  var MINUTE = 60 * 1000;
  // The server notes a session's activity at most once a minute, so its idle clock may have
  // started up to a minute before the last request this page made.
  var SLACK = MINUTE;
  var AUTOSAVE_EVERY = 30 * 1000;

  var lastContact = Date.now();
  var warned = false;
  var ended = false;
  var focusBeforeWarning = null;

  var banner = document.getElementById("timeout-warning");
  var bannerTitle = document.getElementById("timeout-warning-title");
  var bannerText = document.getElementById("timeout-warning-text");
  var stayButton = document.getElementById("timeout-stay");
  var signInLink = document.getElementById("timeout-sign-in");

  function deadline() {
    return lastContact + idleMinutes * MINUTE - SLACK;
  }

  function clock(time) {
    var date = new Date(time);
    var minutes = date.getMinutes();
    return date.getHours() + ":" + (minutes < 10 ? "0" : "") + minutes;
  }

  function post(url, data) {
    var headers = { "X-CSRFToken": csrfToken };
    return fetch(url, {
      method: "POST",
      body: data || null,
      headers: headers,
      credentials: "same-origin",
      redirect: "manual" // a session that has ended is sent to sign in: see it, do not follow it
    });
  }

  // --- The warning ------------------------------------------------------------------------

  function showWarning() {
    if (!banner || warned || ended) {
      return;
    }
    warned = true;
    focusBeforeWarning = document.activeElement;
    var at = deadline();
    bannerTitle.textContent = "You will be signed out soon";
    bannerText.textContent =
      "For your security, you will be signed out at " + clock(at) + " (in about " +
      Math.max(1, Math.round((at - Date.now()) / MINUTE)) + " minutes) because casework has not been used for a while." +
      (form ? " What you have typed here is kept as a draft." : "");
    stayButton.hidden = false;
    signInLink.hidden = true;
    banner.hidden = false;
  }

  function hideWarning() {
    if (!banner || !warned) {
      return;
    }
    warned = false;
    var hadFocus = banner.contains(document.activeElement);
    banner.hidden = true;
    if (hadFocus && focusBeforeWarning && focusBeforeWarning.focus) {
      focusBeforeWarning.focus();
    }
  }

  function signedOut() {
    if (ended) {
      return;
    }
    ended = true;
    warned = true;
    if (!banner) {
      return;
    }
    bannerTitle.textContent = "You have been signed out";
    bannerText.textContent =
      "You have been signed out because casework was not used for " + idleMinutes + " minutes." +
      (form ? " What you had typed here was kept as a draft: it comes back when you open this form again." : "") +
      " Sign in again to carry on.";
    stayButton.hidden = true;
    signInLink.hidden = false;
    banner.hidden = false;
  }

  function contacted() {
    lastContact = Date.now();
    hideWarning();
  }

  function staySignedIn() {
    post(keepAliveUrl).then(function (response) {
      if (response.status === 204) {
        contacted();
      } else {
        signedOut();
      }
    }, function () {
      bannerText.textContent = "casework could not be reached. Check your connection and try again.";
    });
  }

  if (stayButton) {
    stayButton.addEventListener("click", staySignedIn);
  }
  if (signInLink && signInUrl) {
    signInLink.href = signInUrl;
  }

  // --- Drafts -----------------------------------------------------------------------------

  var form = document.querySelector("form[data-draft-url]");
  var dirty = false;
  var saving = false;
  var leaving = false;

  function draftBody() {
    return new URLSearchParams(new FormData(form)); // the form's csrf_token comes with it
  }

  function saveDraft() {
    if (!form || !dirty || saving || leaving || ended) {
      return;
    }
    saving = true;
    dirty = false;
    post(form.getAttribute("data-draft-url"), draftBody()).then(function (response) {
      saving = false;
      if (response.status === 204) {
        contacted();
      } else if (response.type === "opaqueredirect" || response.status === 401) {
        dirty = true;
        signedOut();
      } else {
        dirty = true; // try again at the next round
      }
    }, function () {
      saving = false;
      dirty = true;
    });
  }

  function saveOnLeaving() {
    // The page is going away (another page, a closed tab): a last save that outlives it.
    if (form && dirty && !leaving && !ended && navigator.sendBeacon) {
      dirty = !navigator.sendBeacon(form.getAttribute("data-draft-url"), new FormData(form));
    }
  }

  if (form) {
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    window.setInterval(saveDraft, AUTOSAVE_EVERY);
    window.addEventListener("pagehide", saveOnLeaving);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        saveOnLeaving();
      }
    });
  }
  // Saving the form (or discarding the draft, or signing out) must not save a draft after it.
  document.addEventListener("submit", function () { leaving = true; }, true);

  // --- The clock --------------------------------------------------------------------------

  window.setInterval(function () {
    if (ended) {
      return;
    }
    var left = deadline() - Date.now();
    if (left <= 0) {
      signedOut();
    } else if (left <= warningMinutes * MINUTE) {
      saveDraft(); // keep what was typed before the time-out
      showWarning();
    }
  }, 5000);
})();
