//! The shell hook in real zsh.

use crate::common;
use common::{hook_cases, shell};

use shell::Sh;

const SH: Sh = Sh::ZSH;

// The behaviour every shell must show (tests/common/hook_cases.rs).
common::hook_cases::for_shell!(SH);

#[test]
fn joins_other_tools_precmd_and_chpwd_hooks() {
    let (sb, qa) = hook_cases::one_project();
    let body = format!(
        "other_precmd() {{ echo precmd; }}\nother_chpwd() {{ echo chpwd; }}\n\
         precmd_functions=(other_precmd)\nchpwd_functions=(other_chpwd)\n\
         {hook}\n{hook}\n\
         autoload -U add-zsh-hook\nlater() {{ echo later; }}\nadd-zsh-hook precmd later\n\
         print -r -- $precmd_functions\nprint -r -- $chpwd_functions\n\
         cd {qa}\nshow A1\nprompt\n",
        hook = sb.hook(SH),
    );
    let run = sb.run(SH, &body);
    assert_eq!(
        run.ok(),
        "__devenv_hook other_precmd later\n__devenv_hook other_chpwd\nchpwd\nA1=[one]\nprecmd\nlater\n",
        "the chpwd hook activates on `cd`, before any prompt:\n{}",
        run.stderr
    );
    assert_eq!(sb.calls().len(), 1);
}

#[test]
fn works_with_unusual_user_options() {
    let (sb, qa) = hook_cases::one_project();
    let body = format!(
        "setopt ksh_arrays sh_word_split no_unset err_return\n{hook}\ncd {qa}\nprompt\necho \"A1=$A1\"\n",
        hook = sb.hook(SH)
    );
    let run = sb.run(SH, &body);
    assert_eq!(run.ok(), "A1=one\n", "{}", run.stderr);
}

#[test]
fn a_megabyte_of_variables_enters_and_leaves() {
    hook_cases::large_environment(SH);
}

#[test]
fn path_helper_reorder_is_repaired_at_next_prompt() {
    if SH.available() {
        hook_cases::path_helper_reorder_is_repaired_at_next_prompt(SH);
    }
}
