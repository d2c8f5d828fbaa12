#!powershell

# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.netreq.firewall.plugins.module_utils.WindowsFirewallState

# Runs the operations the controller planned (netreq.firewall.windows_ruleset), in order, and
# undoes the completed ones, newest first, when one fails. It decides nothing: every value,
# and every operation's inverse, arrives as data and reaches a cmdlet only by splatting.

$spec = @{
    options = @{
        operations = @{ type = 'list'; elements = 'dict'; required = $true }
        group_prefix = @{ type = 'str'; required = $true }
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

# op -> the cmdlet and the only parameters it may be given (the same table as _windows_plan.OPERATIONS).
$operationTable = @{
    new_rule = @{
        Command = 'New-NetFirewallRule'
        Parameters = @('Name', 'DisplayName', 'Group', 'Description', 'Enabled', 'Direction', 'Action', 'Profile',
            'Protocol', 'LocalPort', 'RemotePort', 'IcmpType', 'RemoteAddress', 'LocalAddress', 'RemoteDynamicKeywordAddresses')
        Store = $true
    }
    set_rule = @{
        Command = 'Set-NetFirewallRule'
        Parameters = @('Name', 'Description', 'Enabled', 'Direction', 'Action', 'Profile', 'Protocol', 'LocalPort',
            'RemotePort', 'IcmpType', 'RemoteAddress', 'LocalAddress', 'RemoteDynamicKeywordAddresses')
        Store = $true
    }
    remove_rule = @{ Command = 'Remove-NetFirewallRule'; Parameters = @('Name'); Store = $true }
    set_profile = @{
        Command = 'Set-NetFirewallProfile'
        Parameters = @('Name', 'DefaultOutboundAction', 'DefaultInboundAction')
        Store = $true
    }
    new_keyword = @{ Command = 'New-NetFirewallDynamicKeywordAddress'; Parameters = @('Id', 'Keyword', 'AutoResolve'); Store = $false }
    remove_keyword = @{ Command = 'Remove-NetFirewallDynamicKeywordAddress'; Parameters = @('Id'); Store = $false }
}

Function Get-NetreqSplat {
    # The cmdlet and its parameters for one operation; refuses unknown operations and parameters.
    param ([Parameter(Mandatory = $true)]$Operation)
    $entry = $operationTable[[string]$Operation.op]
    if ($null -eq $entry) {
        throw "unknown operation '$([string]$Operation.op)'"
    }
    $splat = @{}
    foreach ($key in @($Operation.params.Keys)) {
        if ($entry.Parameters -notcontains $key) {
            throw "operation $([string]$Operation.op): parameter '$key' is not allowed"
        }
        $value = $Operation.params[$key]
        if ($value -is [System.Collections.IList]) {
            $value = [string[]]@($value)
        }
        $splat[$key] = $value
    }
    if ($entry.Store) {
        $splat['PolicyStore'] = 'PersistentStore'
    }
    $entry.Command, $splat
}

Function Invoke-NetreqOperation {
    param ([Parameter(Mandatory = $true)]$Operation)
    $command, $splat = Get-NetreqSplat -Operation $Operation
    & $command @splat -ErrorAction Stop | Out-Null
}

$operations = @($module.Params.operations)
# Refuse the whole list before the first change, not half way.
foreach ($operation in $operations) {
    $null = Get-NetreqSplat -Operation $operation
    if ($null -ne $operation.undo) {
        $null = Get-NetreqSplat -Operation $operation.undo
    }
}

$module.Result.changed = $operations.Count -gt 0
$module.Result.completed = @()
if ($module.CheckMode) {
    $module.ExitJson()
}

$done = [System.Collections.Generic.List[object]]@()
$failure = $null
foreach ($operation in $operations) {
    try {
        Invoke-NetreqOperation -Operation $operation
    }
    catch {
        $failure = $_
        $module.Result.failed_operation = [string]$operation.what
        break
    }
    $done.Add($operation)
}
$module.Result.completed = @($done | ForEach-Object { [string]$_.what })

if ($null -ne $failure) {
    $restored = [System.Collections.Generic.List[string]]@()
    $notRestored = [System.Collections.Generic.List[string]]@()
    for ($index = $done.Count - 1; $index -ge 0; $index--) {
        try {
            Invoke-NetreqOperation -Operation $done[$index].undo
            $restored.Add([string]$done[$index].what)
        }
        catch {
            $notRestored.Add(('{0}: {1}' -f [string]$done[$index].what, $_.Exception.Message))
        }
    }
    $module.Result.restored = @($restored)
    $module.Result.not_restored = @($notRestored)
    # the host was changed, even where the undo put it back (as the Linux appliers report a rollback)
    $module.Result.changed = $done.Count -gt 0
    $message = 'windows apply failed at "{0}": {1}' -f $module.Result.failed_operation, $failure.Exception.Message
    $module.FailJson($message)
}

try {
    $module.Result.after = Get-NetreqFirewallState -GroupPrefix $module.Params.group_prefix
}
catch {
    $module.Warn("the rules were applied but reading them back failed: $($_.Exception.Message)")
}
$module.ExitJson()
