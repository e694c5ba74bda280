// The print and copy-link buttons of the search and compare pages (templates/trials/_share.html).
// Without script the buttons stay hidden (portal.css: .with-script) and the page says how to
// print; the link is in a read-only field anyone can select and copy. Clicks are caught on the
// document: the search page replaces its results (and these buttons) in place.
(function () {
  "use strict";
  if (!window.print || !document.documentElement.classList) return;
  document.documentElement.classList.add("can-share");
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest(".print-page")) {
      window.print();
      return;
    }
    var copy = target.closest(".copy-link");
    var field = copy && document.getElementById(copy.dataset.copy);
    if (!field) return;
    field.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(function () {
        copy.textContent = "Link copied";
      });
    }
  });
})();
