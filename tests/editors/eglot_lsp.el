;;; eglot_lsp.el --- Emacs eglot against `looplint server' (run by test_editor_emacs.py)
;; Opens the fixture project's file, waits for flymake's diagnostics from eglot, deletes a
;; line in the buffer until a finding goes, applies a code action, and writes what happened
;; to $WS_OUT as JSON. The waits are hang guards only.
(require 'eglot)
(require 'json)
(setq eglot-sync-connect 30 eglot-connect-timeout 60 eglot-autoshutdown t)
(setq flymake-no-changes-timeout 0.05)

(defvar ws-result nil)
(defun ws-put (key value) (push (cons key value) ws-result))

(defun ws-wait (pred)
  (let ((end (+ (float-time) 60)) ok)
    (while (and (not (setq ok (funcall pred))) (< (float-time) end))
      (accept-process-output nil 0.05)
      (when (bound-and-true-p flymake-mode) (flymake-start)))
    ok))

(defun ws-codes ()
  "The LSP diagnostics behind flymake's, as ((line . L) (code . C)), by line."
  (sort (mapcar (lambda (d)
                  (let* ((lsp (cdr (assq 'eglot-lsp-diag (flymake-diagnostic-data d))))
                         (start (plist-get (plist-get lsp :range) :start)))
                    (list (cons 'line (plist-get start :line)) (cons 'code (plist-get lsp :code)))))
                (flymake-diagnostics))
        (lambda (a b) (< (cdr (assq 'line a)) (cdr (assq 'line b))))))

(defun ws-codes-are (want) (equal (mapcar (lambda (c) (list (cdr (assq 'line c)) (cdr (assq 'code c)))) (ws-codes)) want))

(add-to-list 'eglot-server-programs `(python-mode . (,(getenv "LOOPLINT_BIN") "server")))
(find-file (getenv "WS_FILE"))
(python-mode)
;; eglot-ensure waits for the command loop, which batch mode has none of: connect now
(apply #'eglot (eglot--guess-contact))
(ws-wait (lambda () (eglot-current-server)))
(ws-put 'connected (if (eglot-current-server) t :json-false))
(ws-put 'open_ok (if (ws-wait (lambda () (ws-codes-are '((6 "LOOP101") (7 "LOOP110"))))) t :json-false))
(ws-put 'open (ws-codes))
;; delete line 7 (the direct sleep)
(goto-char (point-min))
(forward-line 6)
(delete-region (line-beginning-position) (1+ (line-end-position)))
;; eglot sends changes from an idle timer, and batch mode is never idle: send them now
(eglot--signal-textDocument/didChange)
(ws-put 'edit_ok (if (ws-wait (lambda () (ws-codes-are '((6 "LOOP110"))))) t :json-false))
(ws-put 'edited (ws-codes))
;; the noqa action for the remaining finding, through eglot's own request and edit machinery
(when (flymake-diagnostics)
(let* ((diag (car (flymake-diagnostics)))
       (beg (flymake-diagnostic-beg diag)) (end (flymake-diagnostic-end diag))
       (actions (jsonrpc-request (eglot-current-server) :textDocument/codeAction
                                 (list :textDocument (eglot--TextDocumentIdentifier)
                                       :range (list :start (eglot--pos-to-lsp-position beg)
                                                    :end (eglot--pos-to-lsp-position end))
                                       :context (list :diagnostics [])))))
  (ws-put 'actions (mapcar (lambda (a) (plist-get a :title)) actions))
  (dolist (a (append actions nil))
    (when (string-match-p "noqa: LOOP110" (plist-get a :title))
      (eglot--apply-workspace-edit (plist-get a :edit))
      (eglot--signal-textDocument/didChange)))))
(ws-put 'text (buffer-substring-no-properties (point-min) (point-max)))
(ws-put 'suppressed (if (ws-wait (lambda () (= (length (flymake-diagnostics)) 0))) t :json-false))
(ignore-errors (eglot-shutdown (eglot-current-server)))
(with-temp-file (getenv "WS_OUT") (insert (json-encode ws-result)))
(kill-emacs 0)
