// Keyboard and screen-reader care for htmx swaps. A swap replaces the element that had the
// focus (a pager link, a sort header, the election form's submit button), and the browser
// then puts focus back on <body>: the next Tab would start again at the top of the page.
// After each swap, focus goes where the person was (the same link in the new content), or
// to the first error, or to the result count; and the region says it is busy meanwhile.
(function () {
  "use strict";
  var pending = null;

  // The first error in a part of the page: an invalid field (its label, then its error,
  // are read out through aria-describedby), or an error that belongs to no field.
  function firstError(scope) {
    return scope.querySelector('[aria-invalid="true"], .error[tabindex="-1"]');
  }

  function focusOn(element) {
    if (!element) {
      return false;
    }
    element.focus();
    return document.activeElement === element;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.setAttribute) {
      target.setAttribute("aria-busy", "true");
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target && target.removeAttribute) {
      target.removeAttribute("aria-busy");
    }
  });

  // Where focus lands when nothing more precise is left: the nearest [data-focus-after-swap]
  // around the swapped region (the directory's result count, a member picker's search box).
  function landingFor(region) {
    for (var element = region; element; element = element.parentElement) {
      var landing = element.querySelector("[data-focus-after-swap]");
      if (landing) {
        return landing;
      }
    }
    return null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target) {
      pending = null;
      return;
    }
    var active = document.activeElement;
    var inside = active && active !== document.body && target.contains(active);
    pending = {
      targetId: target.id,
      // An outerHTML swap replaces the target itself: its parent is still there.
      parent: target.parentElement,
      // Only a focus the swap takes away is moved: typing in the search box keeps it.
      lost: inside || !active || active === document.body,
      key: inside && active.getAttribute("data-focus-key"),
    };
  });

  document.addEventListener("htmx:afterSettle", function () {
    var swap = pending;
    pending = null;
    if (!swap) {
      return;
    }
    var region = (swap.targetId && document.getElementById(swap.targetId)) || swap.parent;
    if (!region || !document.contains(region)) {
      return;
    }
    region.removeAttribute("aria-busy");
    // Out-of-band parts of the answer may have removed the focused element too (a picked
    // member's option vanishes with the list).
    var active = document.activeElement;
    if (!swap.lost && active && active !== document.body) {
      return;
    }
    if (focusOn(firstError(region))) {
      return;
    }
    if (swap.key && focusOn(region.querySelector('[data-focus-key="' + swap.key + '"]'))) {
      return;
    }
    // A pager link that is gone (the last page has no "Next"): its partner, then the count.
    if (swap.key === "next" || swap.key === "previous") {
      var other = swap.key === "next" ? "previous" : "next";
      if (focusOn(region.querySelector('[data-focus-key="' + other + '"]'))) {
        return;
      }
    }
    if (focusOn(landingFor(region))) {
      return;
    }
    region.setAttribute("tabindex", "-1");
    focusOn(region);
  });

  // A form sent without htmx and shown again with errors: start at the first one.
  document.addEventListener("DOMContentLoaded", function () {
    var main = document.getElementById("main");
    if (main) {
      focusOn(firstError(main));
    }
  });
})();
