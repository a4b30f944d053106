# CKS Lab: editors for the learner's login shell (the terminal runs `bash -l`). The CKS exam has
# vim and nano; `kubectl edit`, `crontab -e` and friends use these variables (kubectl: KUBE_EDITOR,
# then EDITOR, then vi).
export EDITOR=vim
export VISUAL=vim
export KUBE_EDITOR=vim
