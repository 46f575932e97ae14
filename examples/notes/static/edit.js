// Editing a note in place. The change goes to the API as a JSON Merge Patch with the ETag of
// the version this page shows (If-Match): a note changed elsewhere meanwhile (another tab, a
// script) is not overwritten; the server refuses with 412 and the page says so.
const notes = document.getElementById("notes");
const status = document.getElementById("status");
const token = document.querySelector("#add input[name=csrf_token]").value;

async function save(item, text) {
  const response = await fetch(`${notes.dataset.api}/${item.dataset.id}`, {
    method: "PATCH",
    headers: {
      "Content-Type": "application/merge-patch+json",
      "If-Match": item.dataset.etag,
      "X-CSRF-Token": token,
    },
    body: JSON.stringify({ text }),
  });
  if (response.ok) {
    const note = await response.json();
    item.querySelector(".text").textContent = note.text;
    item.dataset.etag = response.headers.get("ETag");
    item.querySelector("form").remove();
    status.textContent = "";
  } else if (response.status === 412) {
    status.textContent =
      "This note was changed elsewhere meanwhile: reload the page to see it, then edit it again.";
  } else {
    status.textContent = `The note could not be saved (${response.status}).`;
  }
}

notes.addEventListener("click", (event) => {
  const item = event.target.closest("button.edit")?.closest("li");
  if (!item || item.querySelector("form")) return;
  const form = document.createElement("form");
  form.className = "edit";
  const box = document.createElement("input");
  box.name = "text";
  box.required = true;
  box.maxLength = 500;
  box.value = item.querySelector(".text").textContent;
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Save";
  form.append(box, " ", button);
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    save(item, box.value);
  });
  item.append(form);
  box.focus();
});
