#!powershell

# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.netreq.firewall.plugins.module_utils.WindowsFirewallState

# Read only: the controller plans from this answer (netreq.firewall.windows_ruleset).

$spec = @{
    options = @{
        group_prefix = @{ type = 'str'; required = $true }
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

if (-not $module.Params.group_prefix) {
    $module.FailJson('group_prefix must not be empty: an empty prefix would claim every rule on the host')
}

try {
    $module.Result.state = Get-NetreqFirewallState -GroupPrefix $module.Params.group_prefix
}
catch {
    $module.FailJson("cannot read the Windows Defender Firewall state: $($_.Exception.Message)", $_)
}
$module.Result.changed = $false
$module.ExitJson()
