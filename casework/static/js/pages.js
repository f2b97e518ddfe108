/*
 * casework: small page behaviours, as the GOV.UK Design System does them.
 *
 * Loaded with a plain <script src defer> (the Content-Security-Policy allows no inline script),
 * so it runs once the page is parsed. Every page works without it: the menu then stays open,
 * and focus starts at the top of the page.
 *
 * - The header menu collapses behind a "Menu" button on narrow screens (the GOV.UK header).
 * - After a failed submit, focus moves to the error summary (role="alert", tabindex="-1"), as
 *   GOV.UK's error summary does; after a save, to the "Done" banner, so it is never out of view.
 */
(function () {
  "use strict";

  // --- The header menu --------------------------------------------------------------------------
  var button = document.querySelector(".cw-menu-button");
  var list = button && document.getElementById(button.getAttribute("aria-controls"));
  if (button && list && window.matchMedia) {
    // The same width as the CSS: below it the menu items would stack down the page.
    var wide = window.matchMedia("(min-width: 48.0625em)");
    var open = false;

    var sync = function () {
      if (wide.matches) {
        button.hidden = true;
        button.removeAttribute("aria-expanded");
        list.hidden = false;
      } else {
        button.hidden = false;
        button.setAttribute("aria-expanded", open ? "true" : "false");
        list.hidden = !open;
      }
    };

    button.addEventListener("click", function () {
      open = !open;
      sync();
    });
    if (wide.addEventListener) {
      wide.addEventListener("change", sync);
    } else if (wide.addListener) {
      wide.addListener(sync);
    }
    sync();
  }

  // --- Where focus starts ------------------------------------------------------------------------
  var focusOnce = function (element) {
    if (!element.hasAttribute("tabindex")) {
      element.setAttribute("tabindex", "-1");
      element.addEventListener("blur", function () {
        element.removeAttribute("tabindex");
      }, { once: true });
    }
    element.focus();
  };

  var summary = document.querySelector(".govuk-error-summary");
  var done = document.querySelector(".govuk-notification-banner--success");
  if (summary) {
    focusOnce(summary);
  } else if (done) {
    focusOnce(done);
  }
})();
