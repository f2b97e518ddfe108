/*
 * casework: the visit form asks what each child said only for the children ticked as seen.
 *
 * Without this script every child's "What did ... say?" is shown, and the server refuses words
 * for a child not seen. With it, a child's entry is shown once they are ticked under "Children
 * seen" (or "Children seen on their own"), and hidden again, with what was typed kept, when
 * they are unticked. An entry that holds an error or text is always shown.
 */
(function () {
  "use strict";

  var entries = document.querySelectorAll("[data-voice-child]");
  var form = entries.length ? entries[0].closest("form") : null;
  if (!form) {
    return;
  }

  function ticked(childId) {
    var boxes = form.querySelectorAll(
      'input[name="children_seen"][value="' + childId + '"], input[name="seen_alone"][value="' + childId + '"]');
    for (var i = 0; i < boxes.length; i += 1) {
      if (boxes[i].checked) {
        return true;
      }
    }
    return false;
  }

  function holdsSomething(entry) {
    if (entry.querySelector(".govuk-form-group--error")) {
      return true;
    }
    var texts = entry.querySelectorAll("textarea");
    for (var i = 0; i < texts.length; i += 1) {
      if (texts[i].value.trim()) {
        return true;
      }
    }
    return Boolean(entry.querySelector("input[type=radio]:checked"));
  }

  function sync() {
    var anyShown = false;
    for (var i = 0; i < entries.length; i += 1) {
      var entry = entries[i];
      var shown = ticked(entry.getAttribute("data-voice-child")) || holdsSomething(entry);
      entry.hidden = !shown;
      anyShown = anyShown || shown;
    }
    var heading = document.getElementById("voices");
    var intro = heading && heading.nextElementSibling;
    if (heading) {
      heading.hidden = !anyShown;
    }
    if (intro) {
      intro.hidden = !anyShown;
    }
  }

  form.addEventListener("change", function (event) {
    var name = event.target && event.target.name;
    if (name === "children_seen" || name === "seen_alone") {
      sync();
    }
  });
  sync();
})();
