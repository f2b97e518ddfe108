/*
 * casework: forms that neither lose nor double work.
 *
 * Loaded with a plain <script src defer> like session.js (the Content-Security-Policy allows no
 * inline script); without it the pages work the same, the server checks every limit itself.
 *
 * 1. Character counts (the GOV.UK "character count" pattern). A field with a limit sits in a
 *    group with data-maxlength and shows "You can enter up to N characters"; once the text
 *    reaches three quarters of that, a count says how many are left, or how many too many.
 *    Nothing is ever cut: there is no maxlength attribute, and the server refuses (with a
 *    message) text over the limit.
 * 2. The one-time submission key. The browser brings back what was typed in a form when the
 *    user goes Back to it; a hidden field only if a script has set it. Setting the key here lets
 *    Back, then Save again, send the same key, so the server saves the record only once.
 */
(function () {
  "use strict";

  var THRESHOLD = 0.75;

  function plural(count) {
    return count === 1 ? "character" : "characters";
  }

  function formatted(count) {
    return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function characterCount(group) {
    var limit = Number(group.getAttribute("data-maxlength"));
    var field = group.querySelector(".cw-js-character-count");
    if (!limit || !field) {
      return;
    }
    var status = document.createElement("div");
    status.className = "govuk-hint govuk-character-count__status";
    status.setAttribute("aria-live", "polite");
    status.id = field.id + "-count";
    field.parentNode.insertBefore(status, field.nextSibling);

    function update() {
      var left = limit - field.value.length;
      var near = field.value.length >= limit * THRESHOLD;
      status.hidden = !near;
      if (!near) {
        status.textContent = "";
      } else if (left >= 0) {
        status.textContent = "You have " + formatted(left) + " " + plural(left) + " remaining";
      } else {
        status.textContent = "You have " + formatted(-left) + " " + plural(-left) + " too many";
      }
      status.className = (left < 0 ? "govuk-error-message" : "govuk-hint") + " govuk-character-count__status";
      var errorClass = field.tagName === "TEXTAREA" ? "govuk-textarea--error" : "govuk-input--error";
      if (left < 0 && !field.classList.contains(errorClass)) {
        field.classList.add(errorClass);
        field.setAttribute("data-over-limit", "");
      } else if (left >= 0 && field.hasAttribute("data-over-limit")) {
        field.classList.remove(errorClass);
        field.removeAttribute("data-over-limit");
      }
    }

    field.addEventListener("input", update);
    update();
  }

  var groups = document.querySelectorAll("[data-maxlength]");
  for (var i = 0; i < groups.length; i++) {
    characterCount(groups[i]);
  }

  var keys = document.querySelectorAll("input[data-submission-key]");
  for (var j = 0; j < keys.length; j++) {
    // A value that differs from the one the page was sent with is what the browser keeps.
    var key = keys[j].value;
    keys[j].setAttribute("value", "");
    keys[j].value = key;
  }
})();
