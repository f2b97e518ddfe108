/*
 * casework: recording visits without a connection, on a managed work device.
 *
 * Loaded on every page of a signed-in worker or manager (after vendor/idb, the IndexedDB
 * wrapper). Without IndexedDB or a service worker, nothing here runs and the pages work online
 * as before.
 *
 * 1. Offline use is turned on per device, on /account/offline ("Use this device offline"): the
 *    service worker (/sw.js) is registered and the cache "casework-offline" filled with the app
 *    shell and the visit form of each of the worker's open families. Nothing is kept before.
 *    Turning it off (after a warning about visits not yet sent) deletes the cache, the outbox
 *    and the service worker.
 * 2. Without a connection, Save on a visit form puts the visit in the outbox (IndexedDB
 *    "casework-offline", store "outbox"), keyed by a UUID made on the device when the form
 *    opened: pressing Save twice keeps one visit. Each visit keeps the signed-in user's id.
 * 3. The outbox is sent on load, on the "online" event and from "Send now": each visit is
 *    POSTed to /api/v1/families/{id}/visits with its UUID as Idempotency-Key, the session's
 *    CSRF token (fetched fresh, never kept) and device_recorded_at, and deleted from the device
 *    once the server has it. A visit the server refuses (404, 409, 422: the family was closed or
 *    reallocated meanwhile) is handed to "Could not be recorded" (POST /api/v1/unrecorded-
 *    visits) and deleted once that has it. Nothing else deletes a visit from the outbox.
 * 4. Every page says "N visits saved on this device, not yet sent" (with a warning for any older
 *    than 72 hours); signing out with visits not yet sent warns and offers to send them first.
 */
(function () {
  "use strict";

  var banner = document.getElementById("outbox-banner");
  if (!banner || !window.idb || !window.indexedDB || !window.fetch || !window.caches) {
    return;
  }

  var DB_NAME = "casework-offline";
  var CACHE = "casework-offline";
  var WARN_AFTER = 72 * 60 * 60 * 1000;
  var REFRESH_EVERY = 10 * 60 * 1000;
  var userId = Number(banner.getAttribute("data-user-id"));
  var stateUrl = banner.getAttribute("data-state-url");
  var visitsUrl = banner.getAttribute("data-visits-url"); // .../families/0/visits
  var unrecordedUrl = banner.getAttribute("data-unrecorded-url");
  var unrecordedPage = banner.getAttribute("data-unrecorded-page");

  var dbPromise = idb.openDB(DB_NAME, 1, {
    upgrade: function (db) {
      db.createObjectStore("outbox", { keyPath: "key" });
      db.createObjectStore("settings", { keyPath: "name" });
    }
  });

  // --- the device's settings and outbox -----------------------------------------------------

  function setting() {
    return dbPromise.then(function (db) { return db.get("settings", "device"); });
  }

  function saveSetting(value) {
    return dbPromise.then(function (db) { return db.put("settings", Object.assign({ name: "device" }, value)); });
  }

  function mine() {
    return dbPromise.then(function (db) { return db.getAll("outbox"); }).then(function (items) {
      return items.filter(function (item) { return item.user_id === userId; })
        .sort(function (a, b) { return a.saved_at - b.saved_at; });
    });
  }

  function remove(key) {
    return dbPromise.then(function (db) { return db.delete("outbox", key); });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // --- the banner on every page ---------------------------------------------------------------

  var countText = document.getElementById("outbox-count");
  var oldText = document.getElementById("outbox-old");
  var unrecordedText = document.getElementById("outbox-unrecorded");
  var sendButton = document.getElementById("outbox-send");
  var handedOver = 0;

  function visits(count) {
    return count + (count === 1 ? " visit" : " visits");
  }

  function render() {
    return mine().then(function (items) {
      var old = items.filter(function (item) { return Date.now() - item.saved_at > WARN_AFTER; }).length;
      countText.textContent = visits(items.length) + " saved on this device, not yet sent";
      oldText.hidden = !old;
      oldText.textContent = old ? visits(old) + " saved more than 72 hours ago " + (old === 1 ? "has" : "have") +
        " still not been sent: connect to the internet and press Send now, or tell your manager." : "";
      unrecordedText.hidden = !handedOver;
      unrecordedText.textContent = "";
      if (handedOver) {
        unrecordedText.appendChild(document.createTextNode(visits(handedOver) + " could not be recorded and " +
          (handedOver === 1 ? "is" : "are") + " kept in "));
        var link = document.createElement("a");
        link.className = "govuk-link";
        link.href = unrecordedPage;
        link.textContent = "Visits that could not be recorded";
        unrecordedText.appendChild(link);
        unrecordedText.appendChild(document.createTextNode("."));
      }
      banner.hidden = !items.length && !handedOver;
      sendButton.hidden = !items.length;
      return items;
    });
  }

  // --- sending --------------------------------------------------------------------------------

  function freshState() {
    return fetch(stateUrl, { credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          return null; // signed out, or the session has ended: the outbox waits for sign-in
        }
        return response.json();
      })
      .then(function (state) {
        return state && state.user_id === userId ? state : null;
      });
  }

  function post(url, key, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "Idempotency-Key": key, "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    });
  }

  function reasonOf(response) {
    return response.json().then(function (answer) {
      var lines = [answer.error || ""];
      Object.keys(answer.fields || {}).forEach(function (name) {
        lines.push(name + ": " + answer.fields[name].join(" "));
      });
      return lines.join("\n").trim();
    }, function () { return "The server answered " + response.status + "."; });
  }

  function handOver(item, csrf, response) {
    return reasonOf(response).then(function (reason) {
      return post(unrecordedUrl, "unrecorded:" + item.key, csrf, {
        device_key: item.key,
        family_id: item.family_id,
        family_reference: item.family_reference || "",
        payload: JSON.stringify(item.body),
        status: response.status,
        reason: reason.slice(0, 2000),
        device_recorded_at: item.body.device_recorded_at
      });
    }).then(function (kept) {
      if (kept.status === 200 || kept.status === 201) {
        handedOver += 1;
        return remove(item.key).then(function () { return true; });
      }
      return false; // kept on the device; tried again next time
    });
  }

  // One visit: true to go on with the next, false to stop for now.
  function sendOne(item, csrf) {
    var url = visitsUrl.replace("/families/0/", "/families/" + item.family_id + "/");
    return post(url, item.key, csrf, item.body).then(function (response) {
      if (response.status === 201) {
        return remove(item.key).then(function () { return true; });
      }
      if (response.status === 409 && response.headers.get("Retry-After")) {
        return true; // the same visit is being recorded by another send this moment: next time
      }
      if (response.status === 404 || response.status === 409 || response.status === 422) {
        return handOver(item, csrf, response);
      }
      return false; // signed out (401, a redirect), refused (403), or the server failed: keep it
    });
  }

  function sendAll() {
    return mine().then(function (items) {
      if (!items.length || navigator.onLine === false) {
        return;
      }
      return freshState().then(function (state) {
        if (!state) {
          return;
        }
        return items.reduce(function (chain, item) {
          return chain.then(function (goOn) { return goOn ? sendOne(item, state.csrf_token) : false; });
        }, Promise.resolve(true));
      });
    }).catch(function () {
      // no connection after all: everything stays on the device
    });
  }

  var sending = null;

  function send() {
    if (!sending) {
      var run = function () { return sendAll(); };
      var locked = navigator.locks ? navigator.locks.request("casework-outbox", run) : run();
      sending = locked.then(render, render).then(function () { sending = null; });
    }
    return sending;
  }

  sendButton.addEventListener("click", function () { send(); });
  window.addEventListener("online", function () { send(); });
  window.casework = window.casework || {};
  window.casework.sendOutbox = send;

  // --- keeping the pages a device needs offline -----------------------------------------------

  function shell() {
    var urls = [];
    document.querySelectorAll("link[rel=stylesheet], link[rel=icon], script[src]").forEach(function (el) {
      var url = new URL(el.href || el.src, location.href);
      if (url.origin === location.origin) {
        urls.push(url.pathname);
      }
    });
    return urls;
  }

  function prime(state) {
    var urls = shell().concat(state.pages);
    return caches.open(CACHE).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return fetch(url, { credentials: "same-origin", redirect: "manual", headers: { "X-Casework-Offline-Copy": "1" } })
          .then(function (response) {
            if (response.ok) {
              return cache.put(url, response);
            }
            return cache.delete(url);
          });
      })).then(function () {
        // a family closed or reallocated since: its form is no longer kept
        return cache.keys().then(function (requests) {
          return Promise.all(requests.filter(function (request) {
            return urls.indexOf(new URL(request.url).pathname) < 0;
          }).map(function (request) { return cache.delete(request); }));
        });
      }).then(function () {
        return saveSetting({ on: true, user_id: userId, primed_at: Date.now(), pages: state.pages.length });
      });
    });
  }

  function turnOn() {
    if (!navigator.serviceWorker) {
      return Promise.reject(new Error("no service worker"));
    }
    return navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(freshState).then(function (state) {
      if (!state) {
        throw new Error("signed out");
      }
      return prime(state);
    });
  }

  function turnOff() {
    return dbPromise.then(function (db) {
      return db.clear("outbox").then(function () { return db.clear("settings"); });
    }).then(function () {
      return caches.delete(CACHE);
    }).then(function () {
      return navigator.serviceWorker ? navigator.serviceWorker.getRegistrations() : [];
    }).then(function (registrations) {
      return Promise.all(registrations.map(function (registration) { return registration.unregister(); }));
    });
  }

  function refresh() {
    // On each page with a connection: keep the kept pages current (at most every 10 minutes).
    // Another user's kept pages are deleted (their outbox stays, for them to send).
    return setting().then(function (device) {
      if (!device || !device.on || navigator.onLine === false) {
        return;
      }
      if (device.user_id !== userId) {
        return caches.delete(CACHE).then(function () { return saveSetting({ on: false }); });
      }
      if (Date.now() - (device.primed_at || 0) < REFRESH_EVERY) {
        return;
      }
      return freshState().then(function (state) { return state && prime(state); });
    }).catch(function () {});
  }

  // --- the page /account/offline ----------------------------------------------------------------

  function devicePage() {
    var page = document.querySelector("[data-offline-page]");
    if (!page) {
      return;
    }
    var stateText = document.getElementById("offline-state");
    var on = document.getElementById("offline-on");
    var off = document.getElementById("offline-off");
    var warning = document.getElementById("offline-off-warning");
    var warningText = document.getElementById("offline-off-text");

    function show() {
      return setting().then(function (device) {
        var isOn = !!(device && device.on && device.user_id === userId);
        stateText.textContent = isOn
          ? "Offline use is on for this device. It keeps the visit forms of your " + device.pages + " open " +
            (device.pages === 1 ? "family" : "families") + "."
          : "Offline use is off on this device: it keeps nothing.";
        on.hidden = isOn;
        off.hidden = !isOn;
        warning.hidden = true;
      });
    }

    if (!navigator.serviceWorker) {
      stateText.textContent = "This browser cannot keep pages for offline use.";
      return;
    }
    on.addEventListener("click", function () {
      on.disabled = true;
      stateText.textContent = "Keeping the visit forms on this device…";
      turnOn().then(show, function () {
        stateText.textContent = "Offline use could not be turned on: check the connection and try again.";
      }).then(function () { on.disabled = false; });
    });
    off.addEventListener("click", function () {
      dbPromise.then(function (db) { return db.count("outbox"); }).then(function (unsent) {
        if (!unsent) {
          return turnOff().then(show);
        }
        warningText.textContent = visits(unsent) + " saved on this device " + (unsent === 1 ? "is" : "are") +
          " not yet sent. Turning offline use off deletes " + (unsent === 1 ? "it" : "them") +
          " from this device: send " + (unsent === 1 ? "it" : "them") + " first.";
        warning.hidden = false;
        document.getElementById("offline-off-send").focus();
      });
    });
    document.getElementById("offline-off-send").addEventListener("click", function () {
      send().then(function () { return dbPromise; }).then(function (db) { return db.count("outbox"); })
        .then(function (unsent) {
          if (!unsent) {
            return turnOff().then(show);
          }
          warningText.textContent = visits(unsent) + " could still not be sent. Connect to the internet and try again.";
        });
    });
    document.getElementById("offline-off-confirm").addEventListener("click", function () {
      turnOff().then(show).then(render);
    });
    show();
  }

  // --- a visit form saved without a connection -----------------------------------------------

  function fieldValues(form, kinds) {
    var body = {};
    var entries = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token" || name === "submission_key" || typeof value !== "string") {
        return;
      }
      var kind = kinds[name];
      var nested = /^(.+)-(\d+)-(.+)$/.exec(name);
      if (!kind && nested && kinds[nested[1]] && kinds[nested[1]].entries) {
        var list = entries[nested[1]] = entries[nested[1]] || [];
        var row = list[Number(nested[2])] = list[Number(nested[2])] || {};
        row[nested[3]] = typed(kinds[nested[1]].entries[nested[3]], value);
        return;
      }
      if (kind === "strings" || kind === "integers") {
        (body[name] = body[name] || []).push(typed(kind === "integers" ? "integer" : "string", value));
      } else if (kind === "boolean") {
        body[name] = true;
      } else {
        body[name] = typed(kind || "string", value);
      }
    });
    Object.keys(kinds).forEach(function (name) {
      if ((kinds[name] === "strings" || kinds[name] === "integers") && !(name in body)) {
        body[name] = [];
      }
    });
    Object.keys(entries).forEach(function (name) {
      body[name] = entries[name].filter(function (row) { return row; });
    });
    return body;
  }

  function typed(kind, value) {
    if (kind === "integer") {
      var text = value.trim();
      if (!text) {
        return null;
      }
      return /^-?\d+$/.test(text) ? Number(text) : value; // not a number: the server says so
    }
    return value;
  }

  function localDay(date) {
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }

  function visitForm() {
    var marker = document.getElementById("offline-visit-form");
    var form = marker && marker.parentNode.querySelector("form[method=post]");
    if (!form) {
      return;
    }
    var kinds = JSON.parse(marker.getAttribute("data-field-kinds"));
    var familyId = Number(marker.getAttribute("data-family-id"));
    var reference = marker.getAttribute("data-family-reference");
    var key = newKey(); // one visit per form opened: Save pressed twice keeps it once
    var saved = false;
    if (navigator.onLine === false && form.elements.date && !form.querySelector(".govuk-error-message")) {
      form.elements.date.value = localDay(new Date()); // a kept form opened on a later day
    }

    form.addEventListener("submit", function (event) {
      if (navigator.onLine !== false && !saved) {
        return; // with a connection the form is posted as always
      }
      event.preventDefault();
      if (saved) {
        return;
      }
      saved = true;
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
      }
      var body = fieldValues(form, kinds);
      var now = new Date();
      body.device_recorded_at = now.toISOString();
      body.recorded_offline = true;
      var item = { key: key, user_id: userId, family_id: familyId, family_reference: reference, body: body,
                   saved_at: now.getTime() };
      dbPromise.then(function (db) { return db.put("outbox", item); }).then(function () {
        var panel = document.createElement("div");
        panel.className = "govuk-panel govuk-panel--confirmation";
        panel.id = "offline-saved";
        panel.setAttribute("tabindex", "-1");
        var title = document.createElement("h2");
        title.className = "govuk-panel__title";
        title.textContent = "Visit saved on this device";
        var text = document.createElement("div");
        text.className = "govuk-panel__body";
        text.textContent = "It will be sent to casework when this device has a connection.";
        panel.appendChild(title);
        panel.appendChild(text);
        form.parentNode.replaceChild(panel, form);
        panel.focus();
        return render();
      }, function () {
        saved = false;
        if (button) {
          button.disabled = false;
        }
        window.alert("The visit could not be saved on this device. Do not close this page: copy your notes.");
      });
    });
  }

  // --- signing out with visits not yet sent ---------------------------------------------------

  function signOutWarning() {
    var warning = document.getElementById("signout-warning");
    var text = document.getElementById("signout-warning-text");
    var confirmed = false;
    document.querySelectorAll("form[action$='/logout']").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (confirmed) {
          return;
        }
        event.preventDefault();
        mine().then(function (items) {
          if (!items.length) {
            confirmed = true;
            form.submit();
            return;
          }
          text.textContent = "You have " + visits(items.length) + " saved on this device that " +
            (items.length === 1 ? "is" : "are") + " not yet sent. Send them before you sign out, or they wait on " +
            "this device until you sign in here again.";
          warning.hidden = false;
          document.getElementById("signout-send").focus();
        });
      });
      document.getElementById("signout-send").addEventListener("click", function () {
        send().then(mine).then(function (items) {
          if (!items.length) {
            confirmed = true;
            form.submit();
          } else {
            text.textContent = visits(items.length) + " could not be sent: there is no connection. Sign out and " +
              "keep them on this device, or try again with a connection.";
          }
        });
      });
      document.getElementById("signout-anyway").addEventListener("click", function () {
        confirmed = true;
        form.submit();
      });
    });
  }

  devicePage();
  visitForm();
  signOutWarning();
  render().then(function () { return send(); }).then(refresh);
})();
