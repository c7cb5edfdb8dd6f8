/**
 * The chat page's composer (message or direct tool call) and its delete
 * dialog. Static markup only; state and behaviour live in the `chat` Alpine
 * component (assets/chat.js; its composer methods in assets/chat-composer.js,
 * which builds the tool form from the tool's JSON input schema).
 */
import { Icon } from "./icons.tsx";

export function ChatComposer() {
  return (
    <div class="chat-composer">
      <div class="composer-tabs" role="tablist" aria-label="How to talk">
        <button type="button" role="tab" x-bind:class="messageTabClass" x-bind:aria-selected="messageTabSelected" x-on:click="showMessage" data-tab="message">
          <Icon name="message" size={16} />
          <span>Message</span>
        </button>
        <button type="button" role="tab" x-bind:class="toolTabClass" x-bind:aria-selected="toolTabSelected" x-on:click="showTool" data-tab="tool">
          <Icon name="tool" size={16} />
          <span>Call a tool</span>
        </button>
        <span class="composer-status" x-bind:hidden="idle" role="status" hidden>
          <span class="spinner" aria-hidden="true"></span>
          <span x-text="busyText"></span>
        </span>
        <span class="composer-hint" x-bind:hidden="toolMode" id="composer-hint">
          Enter to send · Shift+Enter for a new line
        </span>
      </div>

      <form class="composer-message" x-bind:hidden="toolMode" x-on:submit="sendMessage" data-testid="message-form">
        <textarea
          x-ref="messageInput"
          rows="2"
          maxlength="16000"
          placeholder="Message the agent…"
          aria-label="Message"
          aria-describedby="composer-hint"
          x-on:keydown="messageKey"
          x-bind:disabled="cannotChat"
        ></textarea>
        <div class="composer-actions">
          <button type="submit" class="button button-primary" x-bind:hidden="busy" x-bind:disabled="cannotChat" data-action="send">
            <Icon name="send" size={16} />
            <span>Send</span>
          </button>
          <button type="button" class="button button-danger-soft" x-bind:hidden="idle" x-on:click="cancelAll" data-action="cancel" hidden>
            <Icon name="cancel" size={16} />
            <span>Cancel</span>
          </button>
        </div>
      </form>

      <form class="composer-tool" x-bind:hidden="messageMode" x-on:submit="callTool" novalidate data-testid="tool-form" hidden>
        <div class="tool-picker">
          <label class="field">
            <span class="field-label">Tool</span>
            <select x-ref="toolSelect" x-on:change="pickTool" aria-label="Tool" data-testid="tool-select"></select>
          </label>
          <p class="tool-description muted" x-text="toolDescription"></p>
        </div>
        <div class="tool-fields" x-ref="toolFields"></div>
        <p class="form-error" x-bind:hidden="noToolError" x-text="toolError" role="alert" data-testid="tool-error" hidden></p>
        <div class="composer-actions">
          <button type="submit" class="button button-primary" x-bind:hidden="busy" x-bind:disabled="noTool" data-action="call">
            <Icon name="bolt" size={16} />
            <span>Call tool</span>
          </button>
          <button type="button" class="button button-danger-soft" x-bind:hidden="idle" x-on:click="cancelAll" data-action="cancel-call" hidden>
            <Icon name="cancel" size={16} />
            <span>Cancel</span>
          </button>
        </div>
      </form>
      <p class="form-error" x-bind:hidden="noSendError" x-text="sendError" role="alert" data-testid="send-error" hidden></p>
    </div>
  );
}

export function ChatDeleteDialog() {
  return (
    <div class="dialog-backdrop" x-bind:hidden="notDeleting" x-on:click="deleteBackdrop" hidden>
      <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="chat-delete-title">
        <h3 class="dialog-title" id="chat-delete-title">
          Delete this chat?
        </h3>
        <p class="dialog-body">
          Its messages and tool cards are removed. The audit log keeps its record of every turn and call.
        </p>
        <p class="dialog-agent" x-text="title"></p>
        <div class="dialog-actions">
          <button type="button" class="button button-ghost" x-on:click="cancelDelete">
            Cancel
          </button>
          <button type="button" class="button button-danger" x-on:click="confirmDelete" x-ref="deleteButton" data-action="confirm-delete">
            Delete chat
          </button>
        </div>
      </div>
    </div>
  );
}
