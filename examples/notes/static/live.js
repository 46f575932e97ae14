// Notes added in another tab or through the API appear here as they are added.
const list = document.getElementById("notes");
const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const live = new WebSocket(`${scheme}//${location.host}${list.dataset.live}`);
live.onmessage = (event) => {
  const note = JSON.parse(event.data);
  if (note.reload) {  // notes were missed (the broker was away): catch up
    location.reload();
    return;
  }
  if (list.querySelector(`[data-id="${note.id}"]`)) return;
  const item = document.createElement("li");
  item.dataset.id = note.id;
  item.dataset.etag = note.etag;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = note.text;
  const edit = document.createElement("button");
  edit.type = "button";
  edit.className = "edit";
  edit.textContent = "Edit";
  item.append(text, " ", edit);
  list.prepend(item);
};
