<powershell>
# First-boot user data for packaging/packer/windows.pkr.hcl: WinRM over HTTPS with a
# self-signed certificate and Basic authentication, for Packer's communicator only (the build
# instance is temporary). Not part of the image's own bootstrap.
$ErrorActionPreference = "Stop"
$cert = New-SelfSignedCertificate -CertStoreLocation Cert:\LocalMachine\My -DnsName "packer"
Get-ChildItem WSMan:\localhost\Listener | Where-Object { $_.Keys -contains "Transport=HTTPS" } | Remove-Item -Recurse -Force
New-Item -Path WSMan:\localhost\Listener -Transport HTTPS -Address * -CertificateThumbPrint $cert.Thumbprint -Force | Out-Null
Set-Item -Path WSMan:\localhost\Service\Auth\Basic -Value $true
netsh advfirewall firewall add rule name="WinRM HTTPS" dir=in action=allow protocol=TCP localport=5986
Restart-Service WinRM
</powershell>
