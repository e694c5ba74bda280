// Progressive enhancement of the search page. Without it every control still works: links and
// GET forms. With it, the patient filters (age, sex, recruiting) update the results in place as
// they change, without a page load that would move keyboard focus; the URL stays the source of
// truth (it is updated with history.pushState, and Back reloads it).
(function () {
  "use strict";
  var form = document.querySelector(".patient-form");
  if (!form || !window.fetch || !window.DOMParser || !window.URLSearchParams) return;
  var live = document.getElementById("live");
  var latest = 0;
  var shown = location.pathname + location.search; // the URL whose results are on the page

  // The query string the form would submit, minus empty values (`sex=` for "Any").
  function urlFor() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") params.append(name, value);
    });
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  function swap(doc, selector) {
    var fresh = doc.querySelector(selector);
    var old = document.querySelector(selector);
    if (fresh && old) old.replaceWith(fresh);
  }

  function update(url) {
    var ticket = ++latest;
    document.body.setAttribute("aria-busy", "true");
    fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        if (ticket !== latest) return; // a newer change is on its way
        var doc = new DOMParser().parseFromString(html, "text/html");
        [".results", ".facets", ".notices", ".search-hidden"].forEach(function (s) {
          swap(doc, s);
        });
        doc.querySelectorAll("[data-count-for]").forEach(function (fresh) {
          var old = document.querySelector('[data-count-for="' + fresh.dataset.countFor + '"]');
          if (old) old.replaceWith(fresh);
        });
        document.title = doc.title;
        history.pushState(null, "", url);
        shown = location.pathname + location.search;
        var heading = document.getElementById("results-heading");
        if (live && heading) live.textContent = heading.textContent.trim();
      })
      .catch(function () {
        window.location.href = url; // let the server answer as a normal page
      })
      .finally(function () {
        if (ticket === latest) document.body.removeAttribute("aria-busy");
      });
  }

  form.addEventListener("change", function () {
    if (form.checkValidity()) update(urlFor());
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    update(urlFor());
  });
  // Back and Forward: show the page of the URL, unless only the #fragment changed (skip link).
  window.addEventListener("popstate", function () {
    if (location.pathname + location.search !== shown) window.location.reload();
  });
  document.documentElement.classList.add("js");
})();
