/*
 * casework's service worker, served at /sw.js so that its scope covers every page.
 *
 * It is registered only when a worker turns offline use on for their device (the page
 * /account/offline, static/js/offline.js), and unregistered when they turn it off. It writes
 * nothing itself: the page puts what the device keeps into the cache "casework-offline" (the
 * app shell: styles, scripts; the visit form of each of the worker's open families; the offline
 * page). It answers from that cache only when the network cannot be reached: a kept page or
 * file, or for any other page, the offline page. The API and everything else go to the network.
 * Hand-written (about 60 lines) rather than Workbox: network first, cache as the fallback, is
 * all it does.
 */
"use strict";

var CACHE = "casework-offline";
var FALLBACK = "/account/offline";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function kept(request) {
  return caches.has(CACHE).then(function (has) {
    if (!has) {
      return undefined;
    }
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (found) {
        if (found || request.mode !== "navigate") {
          return found;
        }
        return cache.match(FALLBACK);
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return; // a POST (the API, a form) goes to the network as it would without a service worker
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) {
    return;
  }
  if (request.mode !== "navigate" && url.pathname.indexOf("/static/") !== 0) {
    return; // the state the page asks for, charts, downloads: the network only
  }
  event.respondWith(
    fetch(request).catch(function (error) {
      return kept(request).then(function (found) {
        if (found) {
          return found;
        }
        throw error;
      });
    })
  );
});
