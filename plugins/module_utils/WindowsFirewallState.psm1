# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE: the read side shared by windows_ruleset_facts (before) and windows_ruleset_apply (after).
# It reads and never changes anything. The controller plans from what it returns, so the shape is
# the documented output of Get-NetFirewallRule / Get-NetFirewallPortFilter /
# Get-NetFirewallAddressFilter / Get-NetFirewallProfile, with enums written as their names.

Function Get-NetreqFirewallState {
    <#
    .SYNOPSIS
    The rules whose group starts with GroupPrefix, the number of other rules, the profiles' default
    actions and the dynamic keyword addresses (when the host has them), from the persistent store
    the collection writes to.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][string]$GroupPrefix
    )

    $store = 'PersistentStore'
    # One query per object kind: the filters are read all at once and joined on InstanceID,
    # instead of one CIM round trip per rule.
    $allRules = @(Get-NetFirewallRule -PolicyStore $store -ErrorAction Stop)
    $owned = @($allRules | Where-Object {
            $null -ne $_.Group -and $_.Group.StartsWith($GroupPrefix, [System.StringComparison]::OrdinalIgnoreCase)
        })
    # Rules of another group whose Name is in the collection's form: listed (as foreign) so the
    # controller refuses to create a rule whose Name is taken, instead of failing half way.
    $lookalikes = @($allRules | Where-Object {
            $_.Name.StartsWith($GroupPrefix, [System.StringComparison]::OrdinalIgnoreCase) -and
            -not ($null -ne $_.Group -and $_.Group.StartsWith($GroupPrefix, [System.StringComparison]::OrdinalIgnoreCase))
        })
    $portFilters = @{}
    $addressFilters = @{}
    if ($owned.Count -gt 0) {
        foreach ($filter in @(Get-NetFirewallPortFilter -All -PolicyStore $store -ErrorAction Stop)) {
            $portFilters[$filter.InstanceID] = $filter
        }
        foreach ($filter in @(Get-NetFirewallAddressFilter -All -PolicyStore $store -ErrorAction Stop)) {
            $addressFilters[$filter.InstanceID] = $filter
        }
    }

    $rules = [System.Collections.Generic.List[object]]@()
    foreach ($rule in $owned) {
        $port = $portFilters[$rule.InstanceID]
        $address = $addressFilters[$rule.InstanceID]
        # Where a Windows version has the keywords (rule or address filter), read them from there.
        $keywords = @()
        foreach ($source in @($rule, $address)) {
            if ($null -ne $source -and $source.PSObject.Properties.Name -contains 'RemoteDynamicKeywordAddresses') {
                $keywords += @($source.RemoteDynamicKeywordAddresses | Where-Object { $_ })
            }
        }
        $keywords = @($keywords | Select-Object -Unique)
        $rules.Add([ordered]@{
                Name = $rule.Name
                DisplayName = $rule.DisplayName
                Group = $rule.Group
                Description = $rule.Description
                Enabled = [string]$rule.Enabled
                Direction = [string]$rule.Direction
                Action = [string]$rule.Action
                Profile = [string]$rule.Profile
                PortFilter = [ordered]@{
                    Protocol = [string]$port.Protocol
                    LocalPort = @($port.LocalPort | ForEach-Object { [string]$_ })
                    RemotePort = @($port.RemotePort | ForEach-Object { [string]$_ })
                    IcmpType = @($port.IcmpType | ForEach-Object { [string]$_ })
                }
                AddressFilter = [ordered]@{
                    LocalAddress = @($address.LocalAddress | ForEach-Object { [string]$_ })
                    RemoteAddress = @($address.RemoteAddress | ForEach-Object { [string]$_ })
                }
                RemoteDynamicKeywordAddresses = @($keywords | ForEach-Object { [string]$_ })
            })
    }

    foreach ($rule in $lookalikes) {
        $rules.Add([ordered]@{ Name = $rule.Name; DisplayName = $rule.DisplayName; Group = $rule.Group })
    }

    $profiles = [System.Collections.Generic.List[object]]@()
    foreach ($profile in @(Get-NetFirewallProfile -PolicyStore $store -ErrorAction Stop)) {
        $profiles.Add([ordered]@{
                Name = [string]$profile.Name
                Enabled = [string]$profile.Enabled
                DefaultInboundAction = [string]$profile.DefaultInboundAction
                DefaultOutboundAction = [string]$profile.DefaultOutboundAction
            })
    }

    $supported = $null -ne (Get-Command -Name New-NetFirewallDynamicKeywordAddress -ErrorAction SilentlyContinue)
    $keywordList = [System.Collections.Generic.List[object]]@()
    if ($supported) {
        foreach ($keyword in @(Get-NetFirewallDynamicKeywordAddress -All -ErrorAction Stop)) {
            $keywordList.Add([ordered]@{
                    Id = [string]$keyword.Id
                    Keyword = [string]$keyword.Keyword
                    AutoResolve = [bool]$keyword.AutoResolve
                })
        }
    }

    [ordered]@{
        rules = $rules
        foreign_rule_count = $allRules.Count - $owned.Count - $lookalikes.Count
        profiles = $profiles
        dynamic_keywords_supported = $supported
        dynamic_keywords = $keywordList
    }
}

Export-ModuleMember -Function Get-NetreqFirewallState
