// Filters apply as soon as a select or checkbox changes; text fields apply on Enter.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.filters")) {
    for (const el of form.querySelectorAll("select, input[type=checkbox]")) {
      el.addEventListener("change", () => form.submit());
    }
  }
});
